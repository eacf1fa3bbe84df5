/**
 * A chunk's accepted rows as the JSON a request body carries, written by a
 * hashing worker (chunk-hasher.ts), held by the uploader and by each batch
 * that sends some of them, and given back for reuse when the last holder is
 * done.
 *
 * Why give the bytes back: the rows of a 1 M-row file are ≈ 400 MB, and each
 * buffer that arrives from a worker counts as new external memory in the main
 * thread until a collection finds it dead. V8 collects on that pressure every
 * 64 MB or so: ≈ 14 scavenges and 9–18 full collections of the main isolate
 * per million rows, marking its ≈ 20 MB heap each time (--trace-gc: "external
 * memory pressure"). A buffer transferred back to a worker leaves the main
 * thread's count at once, so the count stays at the few buffers in use, and
 * the worker writes its next rows into it instead of a new one (decision
 * client-15).
 */
export class EncodedRows {
  #holders = 1;

  /**
   * Row i is `bytes.subarray(offsets[i], offsets[i + 1] - 1)`. `giveBack` receives the
   * buffer when the last holder releases it; nothing may read `bytes` after that.
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly offsets: Uint32Array,
    private readonly giveBack: (buffer: ArrayBuffer) => void = () => undefined,
  ) {}

  /** One more holder: a batch that sends some of these rows. The creator is the first holder. */
  hold(): void {
    if (this.#holders === 0) throw new Error('encoded rows held after they were given back');
    this.#holders++;
  }

  /** A holder is done with the rows; the last one gives the bytes back. */
  release(): void {
    if (this.#holders === 0) throw new Error('encoded rows released more often than held');
    if (--this.#holders === 0) this.giveBack(this.bytes.buffer as ArrayBuffer);
  }
}
