/** RFC 3339 date-time (the `date-time` of JSON Schema): a full date, a full time, an offset. */
const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Epoch milliseconds of an RFC 3339 timestamp; undefined when it is not one. */
export function rfc3339Millis(text: string): number | undefined {
  if (!RFC3339.test(text)) return undefined;
  const millis = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(millis) ? undefined : millis;
}
