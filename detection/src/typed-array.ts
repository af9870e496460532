type NumberArray = Float64Array | Int32Array | Uint8Array;

/** A copy of `a` lengthened to `len` elements of the same type (the new ones 0); for growth, not per event. */
export function grown<A extends NumberArray>(a: A, len: number): A {
  const b = new (a.constructor as new (n: number) => A)(len);
  b.set(a);
  return b;
}
