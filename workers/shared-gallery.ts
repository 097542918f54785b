/**
 * Hands a gallery to the pool threads without copying it per task: the owner serialises it once per
 * version into a SharedArrayBuffer, each thread decodes a version once and keeps it until a newer one
 * arrives. Versions only grow, so a thread never searches a gallery older than the one it was given.
 */
export interface SharedGallery {
  key: string;
  version: number;
  bytes: SharedArrayBuffer;
}

export function shareJson(key: string, version: number, value: unknown): SharedGallery {
  const encoded = new TextEncoder().encode(JSON.stringify(value));
  const bytes = new SharedArrayBuffer(encoded.byteLength);
  new Uint8Array(bytes).set(encoded);
  return { key, version, bytes };
}

const decoded = new Map<string, { version: number; value: unknown }>();

export function openSharedJson<T>(gallery: SharedGallery, build: (value: unknown) => T): T {
  const cached = decoded.get(gallery.key);
  if (cached && cached.version === gallery.version) return cached.value as T;
  // TextDecoder refuses shared memory, so copy the bytes out once per version.
  const text = new TextDecoder().decode(new Uint8Array(gallery.bytes).slice());
  const value = build(JSON.parse(text));
  decoded.set(gallery.key, { version: gallery.version, value });
  return value;
}
