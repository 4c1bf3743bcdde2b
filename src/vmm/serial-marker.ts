// Watches a guest's serial output for a marker string (hvmdev run --stop-at), across chunk
// boundaries: it keeps only the last marker.length − 1 characters between chunks.
export class SerialMarker {
  private tail = '';
  private readonly decoder = new TextDecoder();
  private seen = false;

  constructor(readonly marker: string) {
    if (marker.length === 0) throw new RangeError('the --stop-at marker must not be empty');
  }

  /** Feeds output bytes; true the first time the marker has appeared. */
  feed(bytes: Uint8Array): boolean {
    if (this.seen) return false;
    const text = this.tail + this.decoder.decode(bytes, { stream: true });
    if (text.includes(this.marker)) {
      this.seen = true;
      return true;
    }
    this.tail = text.slice(Math.max(0, text.length - (this.marker.length - 1)));
    return false;
  }
}
