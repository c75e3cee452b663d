/**
 * @emitwire/server: a Socket.IO v4-class server over WebSocket, wire-compatible with Socket.IO v5
 * clients (Engine.IO v4, WebSocket transport). See the package README.
 */
export { Server, type NamespaceMatcher } from './server.js';
export { Namespace, type Middleware, type NamespaceEvent, type NamespaceListener, type NamespaceReservedEvents } from './namespace.js';
export { Socket } from './socket.js';
export type { Handshake } from './handshake-info.js';
export type { PacketMiddleware } from './event-dispatch.js';
export { SocketEmitter, type EmitFlags, type TimeoutEmitter } from './socket-emitter.js';
export { BroadcastOperator, type BroadcastEmitArgs } from './broadcast-operator.js';
export {
  NO_ANSWER,
  type Adapter,
  type AdapterConstructor,
  type AdapterEventMap,
  type BroadcastFlags,
  type BroadcastOptions,
  type PersistedSession,
  type RestoredSession,
  type Room,
  type SocketId,
} from './adapter.js';
export { InMemoryAdapter } from './in-memory-adapter.js';
export { EngineConnection, type CloseReason } from './engine-connection.js';
export { Engine, type ConnectionError, type EngineEventMap, type ResponseHeaders } from './engine.js';
export {
  DEFAULT_OPTIONS,
  DEFAULT_RECOVERY_OPTIONS,
  type ServerOptions,
  type ConnectionStateRecoveryOptions,
  type CorsOptions,
  type OriginPolicy,
  type HandlerErrorContext,
} from './options.js';
export { HandshakeError, type RefusalContext } from './handshake.js';
export type {
  DisconnectReason,
  ListenEvents,
  EmitEvents,
  ServerSideEvents,
  SocketData,
  SocketReservedEvents,
  ListenerResult,
  SocketListener,
} from './typed-events.js';
export {
  ErrorCode,
  EmitwireError,
  ProtocolError,
  TimeoutError,
  ClosedError,
  RpcError,
  REMOTE_ERROR_KEY,
  type EventContract,
} from '@emitwire/protocol';
