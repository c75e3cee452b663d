/*
 * One idle Decoder shared by every connection of a server. A Decoder holds state only while a
 * binary packet waits for its attachments; the rest of the time it is interchangeable. A connection
 * decodes with the shared one and takes it for itself only when a packet leaves it waiting (the
 * pool then makes a fresh one), so idle connections carry no decoder at all (issue 6, idle memory).
 */
import { Decoder, type DecoderOptions } from '@emitwire/protocol';

/** The shared idle decoder of one server. */
export class DecoderPool {
  private idle: Decoder;

  constructor(private readonly options: DecoderOptions) {
    this.idle = new Decoder(options);
  }

  /** The shared decoder; it is idle whenever a caller gets it (decoding is synchronous). */
  get shared(): Decoder {
    return this.idle;
  }

  /** Hands the shared decoder (now waiting for attachments) to one connection and replaces it. */
  take(): Decoder {
    const taken = this.idle;
    this.idle = new Decoder(this.options);
    return taken;
  }
}
