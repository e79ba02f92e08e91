/**
 * kafkajs, with its read_committed filter replaced by ours (see
 * aborted-transactions.ts). Every module of cdstream imports kafkajs from
 * here: the replacement has to be in Node's module cache before kafkajs'
 * consumer code is first loaded.
 */
import './install-read-committed-filter.js';
import kafkajsModule from 'kafkajs';

export * from 'kafkajs';
export { readCommittedFilterInstalled } from './install-read-committed-filter.js';

/**
 * The whole module, for kafkajs' error classes: kafkajs exports them through
 * an object spread, which Node cannot see as named exports of an ES module.
 */
export const kafkajs = kafkajsModule;
