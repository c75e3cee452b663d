/*
 * Property tests: whatever the encoder produces, the decoder gives back unchanged.
 */
import fc from 'fast-check';
import { Decoder, PacketType, encodePacket, type DecodedPacket, type Packet } from '@emitwire/protocol';
import {
  anyPacketArb,
  assertSameValue,
  assertWellFormed,
  bytesOf,
  collectBinaries,
  dataPacketArb,
  decodeWire,
  eventNameArb,
  expectedDecoded,
  jsonValueArb,
  namespaceArb,
  toWire,
} from './helpers.js';

/**
 * Random data may hold more binaries than the default limit of 10 attachments; these tests are
 * about fidelity, so they raise it. The default limit has its own property below.
 */
const ROOMY = { maxAttachments: 1000 };

/** Encodes `packet`, feeds it (text, then each attachment as bytes) to `decoder`, returns the packet. */
function roundTrip(packet: Packet, decoder = new Decoder(ROOMY)): { decoded: DecodedPacket; fed: Uint8Array[] } {
  const encoded = encodePacket(packet, ROOMY.maxAttachments);
  const texts = typeof encoded === 'string' ? [encoded] : [encoded[0]];
  const fed = typeof encoded === 'string' ? [] : encoded.slice(1).map((b) => bytesOf(b as ArrayBuffer | ArrayBufferView));
  let decoded: DecodedPacket | undefined;
  for (const [i, message] of [...texts, ...fed].entries()) {
    const out = decoder.add(message);
    // nothing completes before the last attachment
    if (i < fed.length) expect(out).toBeUndefined();
    else decoded = out;
  }
  expect(decoded).toBeDefined();
  return { decoded: decoded!, fed };
}

function checkRoundTrip(packet: Packet, decoder?: Decoder): void {
  const original = collectBinaries(packet.data);
  const originalBytes = original.map((b) => Array.from(bytesOf(b as ArrayBuffer)));
  const { decoded, fed } = roundTrip(packet, decoder);
  // one attachment per binary, in order, carrying exactly the original bytes
  expect(fed).toHaveLength(original.length);
  fed.forEach((bytes, i) => expect(Array.from(bytes)).toEqual(originalBytes[i]));
  // everything else deep-equal, and each binary is the very object that was fed
  const expected = expectedDecoded(packet, fed);
  expect(decoded.type).toBe(expected.type);
  expect(decoded.nsp).toBe(expected.nsp);
  expect((decoded as { id?: number }).id).toBe((expected as { id?: number }).id);
  assertSameValue((decoded as { data?: unknown }).data, (expected as { data?: unknown }).data);
  assertWellFormed(decoded);
}

describe('encodePacket → Decoder.add round trip (fast-check)', () => {
  it('EVENT and ACK with binaries (Uint8Array, Buffer, ArrayBuffer, typed arrays, DataView) nested anywhere', () => {
    fc.assert(
      fc.property(dataPacketArb(), (packet) => checkRoundTrip(packet)),
      { numRuns: 1000 },
    );
  });

  it('with the default limits, every packet of up to 10 binaries round-trips', () => {
    const withinLimit = dataPacketArb().filter((p) => collectBinaries(p.data).length <= 10);
    fc.assert(
      fc.property(withinLimit, (packet) => checkRoundTrip(packet, new Decoder())),
      { numRuns: 300 },
    );
  });

  it('at least one binary: always a binary packet with the right attachment count', () => {
    const withBinary = dataPacketArb().filter((p) => collectBinaries(p.data).length > 0);
    fc.assert(
      fc.property(withBinary, (packet) => {
        const encoded = encodePacket(packet, ROOMY.maxAttachments);
        expect(Array.isArray(encoded)).toBe(true);
        const [text, ...attachments] = encoded as [string, ...unknown[]];
        const type = packet.type === PacketType.EVENT ? '5' : '6';
        expect(text.startsWith(`${type}${attachments.length}-`)).toBe(true);
        expect(attachments).toEqual(collectBinaries(packet.data));
        checkRoundTrip(packet);
      }),
      { numRuns: 300 },
    );
  });

  it('packets of every type without binaries are exactly one string', () => {
    fc.assert(
      fc.property(anyPacketArb(), (packet) => {
        expect(typeof encodePacket(packet, ROOMY.maxAttachments)).toBe('string');
        checkRoundTrip(packet);
      }),
      { numRuns: 1000 },
    );
  });

  it("fast-check's own JSON values as arguments, with random namespaces and ack ids", () => {
    fc.assert(
      fc.property(
        namespaceArb,
        fc.option(fc.nat(), { nil: undefined }),
        eventNameArb,
        fc.array(jsonValueArb, { maxLength: 4 }),
        (nsp, id, name, args) => {
          checkRoundTrip({ type: PacketType.EVENT, nsp, ...(id === undefined ? {} : { id }), data: [name, ...args] });
          checkRoundTrip({ type: PacketType.ACK, nsp, id: id ?? 0, data: args });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('one decoder, many packets in a row (state returns to idle after each)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(dataPacketArb(), anyPacketArb()), { minLength: 1, maxLength: 8 }), (packets) => {
        const decoder = new Decoder(ROOMY);
        for (const packet of packets) {
          checkRoundTrip(packet, decoder);
          expect(decoder.awaitingAttachments).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('through the Engine.IO layer: `4`-prefixed text frames and raw binary frames', () => {
    fc.assert(
      fc.property(dataPacketArb(), (packet) => {
        const wire = toWire(encodePacket(packet, ROOMY.maxAttachments));
        const packets = decodeWire(wire, new Decoder(ROOMY));
        expect(packets).toHaveLength(1);
        const fed = wire.slice(1);
        assertSameValue((packets[0] as { data?: unknown }).data, (expectedDecoded(packet, fed) as { data?: unknown }).data);
      }),
      { numRuns: 300 },
    );
  });

  it('the encoder never mutates the packet it is given', () => {
    fc.assert(
      fc.property(dataPacketArb(), (packet) => {
        const before = collectBinaries(packet.data);
        const json = JSON.stringify(packet.data);
        encodePacket(packet, ROOMY.maxAttachments);
        expect(JSON.stringify(packet.data)).toBe(json);
        const after = collectBinaries(packet.data);
        expect(after).toHaveLength(before.length);
        after.forEach((b, i) => expect(b).toBe(before[i]));
      }),
      { numRuns: 200 },
    );
  });
});
