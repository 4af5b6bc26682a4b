/**
 * Row-major bins with every row padded to whole 32-bit words (four features per word,
 * padding bytes 0), so the histogram loop reads four bins with one load: `words` views
 * the same memory as `bytes`. Row r starts at byte r · rowStride (word r · rowStride / 4).
 */
export interface PackedBins {
  bytes: Uint8Array;
  words: Uint32Array;
  /** Bytes per row: featureCount rounded up to a multiple of 4. */
  rowStride: number;
}

/** True where a Uint32 holds its lowest byte first (every platform Node ships on; checked, not assumed). */
export const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function packBins(bins: Uint8Array, rows: number, featureCount: number): PackedBins {
  const rowStride = (featureCount + 3) & ~3;
  const bytes = new Uint8Array(rows * rowStride);
  if (rowStride === featureCount) bytes.set(bins.subarray(0, rows * featureCount));
  else for (let row = 0; row < rows; row++) bytes.set(bins.subarray(row * featureCount, (row + 1) * featureCount), row * rowStride);
  return { bytes, words: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2), rowStride };
}
