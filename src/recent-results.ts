/**
 * A parse whose recent results are kept, for inputs a stream repeats on
 * nearly every record (content types, artifact ids). Bounded and emptied
 * when full, so inputs that never repeat cost only the parse they cost
 * without it; inputs longer than `maxInputLength` are not kept. Results are
 * shared between callers: the parse returns them frozen.
 */
export function withRecentResults<R>(
  parse: (input: string) => R,
  options: { readonly limit: number; readonly maxInputLength?: number },
): (input: string) => R {
  const recent = new Map<string, R>();
  const maxInputLength = options.maxInputLength ?? Number.POSITIVE_INFINITY;
  return (input) => {
    const known = recent.get(input);
    if (known !== undefined || recent.has(input)) return known as R;
    const result = parse(input);
    if (input.length > maxInputLength) return result;
    if (recent.size >= options.limit) recent.clear();
    recent.set(input, result);
    return result;
  };
}
