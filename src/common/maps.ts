/** A new map with the same keys, each value passed through `f`. */
export function mapValues<K, V, W>(map: ReadonlyMap<K, V>, f: (value: V) => W): Map<K, W> {
  const result = new Map<K, W>();
  for (const [key, value] of map) result.set(key, f(value));
  return result;
}
