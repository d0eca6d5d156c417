/**
 * What is derived from one resource alone, remembered per resource object: the daemon recalculates
 * after every change from the same (immutable) objects, over 100,000 of them in a large cluster. A
 * changed resource is a new object, so nothing stale is ever used; objects no longer referenced
 * drop out of the WeakMap. Results are shared between passes: callers must not modify them.
 */
export function memo<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as V;
    const value = derive(key);
    cache.set(key, value);
    return value;
  };
}
