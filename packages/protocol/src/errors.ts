/**
 * Every error emitwire raises or rejects with is an {@link EmitwireError} carrying a stable string
 * `code` from {@link ErrorCode}. Codes never change meaning; messages may be reworded.
 */
export const ErrorCode = {
  // protocol violations (the peer sent something the wire rules forbid)
  /** An Engine.IO message that is empty or has an unknown packet type. */
  ENGINE_PACKET: 'EW_ENGINE_PACKET',
  /** A Socket.IO packet type outside 0–6. */
  PACKET_TYPE: 'EW_PACKET_TYPE',
  /** Packet data that is not valid JSON. */
  INVALID_JSON: 'EW_INVALID_JSON',
  /** Packet data of the wrong shape for its type (PROTOCOL.md, decoder rules). */
  INVALID_PAYLOAD: 'EW_INVALID_PAYLOAD',
  /** An EVENT whose name is reserved (`connect`, `disconnect`, …). */
  RESERVED_EVENT: 'EW_RESERVED_EVENT',
  /** A namespace that does not start with `/` or is too long. */
  INVALID_NAMESPACE: 'EW_INVALID_NAMESPACE',
  /** An ack id that is not a safe non-negative integer, or a missing ack id on an ACK. */
  INVALID_ACK_ID: 'EW_INVALID_ACK_ID',
  /** An attachment count that is not an integer in 0..maxAttachments. */
  INVALID_ATTACHMENTS: 'EW_INVALID_ATTACHMENTS',
  /** A binary placeholder whose `num` is not an integer within the attachments. */
  INVALID_PLACEHOLDER: 'EW_INVALID_PLACEHOLDER',
  /** A binary message when no attachment is awaited. */
  UNEXPECTED_BINARY: 'EW_UNEXPECTED_BINARY',
  /** A text message while attachments are still awaited. */
  UNEXPECTED_TEXT: 'EW_UNEXPECTED_TEXT',
  /** A message larger than `maxPayload`. */
  PAYLOAD_TOO_LARGE: 'EW_PAYLOAD_TOO_LARGE',
  /** Data nested deeper than `maxDepth`. */
  NESTING_TOO_DEEP: 'EW_NESTING_TOO_DEEP',
  /** A packet for a namespace this connection has not joined. */
  UNKNOWN_NAMESPACE: 'EW_UNKNOWN_NAMESPACE',
  /** A heartbeat rule was broken (for example, a client sent a ping). */
  HEARTBEAT: 'EW_HEARTBEAT',

  // timeouts
  /** No acknowledgement arrived in time. */
  ACK_TIMEOUT: 'EW_ACK_TIMEOUT',
  /** The connection or namespace handshake did not complete in time. */
  CONNECT_TIMEOUT: 'EW_CONNECT_TIMEOUT',

  // closed connections and limits
  /** The socket disconnected before the operation completed. */
  DISCONNECTED: 'EW_DISCONNECTED',
  /** A bounded buffer (offline emits, write backlog, pending acks) is full. */
  BUFFER_FULL: 'EW_BUFFER_FULL',

  // remote (handler) errors
  /** The remote handler threw or rejected. */
  REMOTE: 'EW_REMOTE',
  /** The server refused the namespace connection (middleware `next(err)`, unknown namespace). */
  CONNECT_REFUSED: 'EW_CONNECT_REFUSED',

  // misuse of the API
  /** An argument that the API does not accept (thrown synchronously). */
  INVALID_ARGUMENT: 'EW_INVALID_ARGUMENT',
} as const;

/** One of the stable error codes in {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Base class of every emitwire error.
 *
 * Each class sets its `name` as a literal (a field), not from `new.target.name`: minifiers rename
 * classes, and `err.name` must read `TimeoutError`, not a letter, in a minified browser bundle too.
 */
export class EmitwireError extends Error {
  override name = 'EmitwireError';
  /** A stable machine-readable code from {@link ErrorCode}. */
  declare readonly code: string;

  /**
   * @param code one of {@link ErrorCode} (inside emitwire: the literal value, e.g. `'EW_ACK_TIMEOUT'`,
   *   checked against {@link ErrorCodeValue}, so that browser bundles need not carry the whole map),
   *   or an application's own code for remote errors
   * @param message defaults to the code in words (`EW_ACK_TIMEOUT`: `ack timeout`)
   */
  constructor(code: string, message = code.slice(3).toLowerCase().replace(/_/g, ' ')) {
    super(message);
    this.code = code;
  }
}

/**
 * Throws the `EW_INVALID_ARGUMENT` error of API misuse, synchronously, with its exact message
 * (one helper for every package: the client's browser bundle carries it once).
 */
export function invalidArgument(message: string): never {
  throw new EmitwireError('EW_INVALID_ARGUMENT' satisfies ErrorCodeValue, message);
}

/** The peer broke a wire rule; the connection is closed with reason `parse error`. */
export class ProtocolError extends EmitwireError {
  override name = 'ProtocolError';
}

/** An acknowledgement or handshake did not arrive in time. */
export class TimeoutError extends EmitwireError {
  override name = 'TimeoutError';
}

/** The connection closed, or a bounded buffer refused more data. */
export class ClosedError extends EmitwireError {
  override name = 'ClosedError';
}

/**
 * A remote handler failed (it threw, rejected, or the server refused the connection).
 * Carries only `code`, `message` and optional JSON `data`, never a stack.
 */
export class RpcError extends EmitwireError {
  override name = 'RpcError';
  /** Extra JSON data the remote side attached (for `connect_error`, the middleware's `err.data`). */
  declare readonly data: unknown;

  constructor(code: string, message?: string, data?: unknown) {
    super(code, message);
    this.data = data;
  }
}

/**
 * The key that marks an ack payload as a handler error: `{ [REMOTE_ERROR_KEY]: { code, message } }`
 * as the single ack argument. A server handler that throws or rejects acks with this object; the
 * emitwire client turns it into a rejected `emitWithAck` with an {@link RpcError}.
 */
export const REMOTE_ERROR_KEY = '__emitwire_error__';

/** The wire shape of a remote handler error. */
export interface RemoteErrorPayload {
  [REMOTE_ERROR_KEY]: { code: string; message: string };
}

/** Encodes a thrown value as a remote error payload: code and message only, never a stack. */
export function toRemoteErrorPayload(err: unknown): RemoteErrorPayload {
  let code: string = 'EW_REMOTE' satisfies ErrorCodeValue;
  let message = 'Internal error';
  if (err instanceof Error) {
    // A thrown Error's message may have been replaced by anything; only a string travels.
    if (typeof err.message === 'string') message = err.message;
    const c = (err as { code?: unknown }).code;
    if (typeof c === 'string' && c.length > 0 && c.length <= 64) code = c;
  } else if (typeof err === 'string') {
    message = err;
  }
  return { [REMOTE_ERROR_KEY]: { code, message: message.slice(0, 1024) } };
}

/** Returns the {@link RpcError} an ack argument list stands for, or `undefined` for a normal ack. */
export function fromRemoteErrorPayload(args: readonly unknown[]): RpcError | undefined {
  const first = args[0];
  const inner: unknown = args.length === 1 && Object.hasOwn(Object(first), REMOTE_ERROR_KEY)
    ? (first as Record<string, unknown>)[REMOTE_ERROR_KEY]
    : undefined;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const { code, message } = inner as { code?: unknown; message?: unknown };
  return new RpcError(
    typeof code === 'string' ? code : ('EW_REMOTE' satisfies ErrorCodeValue),
    typeof message === 'string' ? message : undefined,
  );
}

/** Converts any thrown value into an {@link EmitwireError} (used at API boundaries). */
export function toEmitwireError(err: unknown, code: string = 'EW_REMOTE' satisfies ErrorCodeValue): EmitwireError {
  if (err instanceof EmitwireError) return err;
  if (err instanceof Error) return new EmitwireError(code, err.message);
  return new EmitwireError(code, String(err));
}
