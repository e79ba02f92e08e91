/**
 * Headers of records that only cdstream's own stages read, on internal
 * topics (never on the public ones).
 */
export const FACT_HEADER = 'cdstream-fact';
/** an artifact's build, package or publish, sent to every place the artifact ran */
export const ORIGIN_FACT = 'origin';
/** the one fact the aggregate folds in, read from an enriched event by the join (JSON) */
export const DELIVERY_FACT = 'delivery';
/**
 * an artifact's change start (its packaged event names a change whose
 * created/merged time is now known), sent to every place the artifact ran
 */
export const CHANGE_FACT = 'change';
