/*
 * The typed event contract, written once and shared by server and client (DESIGN.md):
 *
 *   interface ChatEvents {
 *     clientToServer: { chat(text: string, ack: (ok: boolean) => void): void };
 *     serverToClient: { chat(msg: { from: string; text: string }): void };
 *   }
 *
 * `Server<ChatEvents>` listens to `clientToServer` and emits `serverToClient`; `io<ChatEvents>()`
 * does the opposite. An event's acknowledgement is its last parameter when that is a function.
 * With no contract, any event name is accepted and payloads are `unknown`.
 */
import type { ReservedEventName } from './packet.js';

/**
 * An events map: any object whose keys are event names, none of them reserved (a contract that
 * declares `connect` or `disconnect` as an event fails to compile where it is used).
 */
export type EventsMap = object & { readonly [K in ReservedEventName]?: never };

/** The shape of an application's contract. Every part is optional. */
export interface EventContract {
  /** Events the client emits and the server listens to. */
  clientToServer?: EventsMap;
  /** Events the server emits and the client listens to. */
  serverToClient?: EventsMap;
  /** Events server processes send each other (`serverSideEmit`). */
  serverToServer?: EventsMap;
  /** The type of `socket.data` on the server. */
  socketData?: unknown;
}

/** Events when no contract is given: any name, `unknown` arguments. */
export interface UntypedEvents {
  [event: string]: (...args: unknown[]) => void;
}

/** The events a client emits (picked from a contract). */
export type ClientToServerEvents<C> = C extends { clientToServer: infer E extends object } ? E : UntypedEvents;
/** The events a server emits (picked from a contract). */
export type ServerToClientEvents<C> = C extends { serverToClient: infer E extends object } ? E : UntypedEvents;
/** The events server processes exchange (picked from a contract). */
export type ServerToServerEvents<C> = C extends { serverToServer: infer E extends object } ? E : UntypedEvents;
/** The type of `socket.data` (picked from a contract). */
export type SocketDataOf<C> = C extends { socketData: infer D } ? D : Record<string, unknown>;

/** The event names of an events map. */
export type EventNames<E> = keyof E & string;

/** The parameters of event `K`, its ack callback included. */
export type EventParams<E, K extends keyof E> = E[K] extends (...args: infer A) => unknown ? A : never;

/** The listener signature of event `K`. */
export type EventListener<E, K extends keyof E> = (...args: EventParams<E, K>) => void;

type IsTuple<T extends readonly unknown[]> = number extends T['length'] ? false : true;
type LastParam<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : undefined;
type AnyFunction = (...args: never[]) => unknown;

/** The arguments of event `K` without its ack callback. */
export type EventArgs<E, K extends keyof E> =
  EventParams<E, K> extends infer P extends unknown[]
    ? IsTuple<P> extends false
      ? P
      : P extends [...infer Head, infer L]
        ? // [L] (not a naked L): a union last parameter such as `boolean` must not distribute
          [L] extends [AnyFunction]
          ? Head
          : P
        : P
    : never;

/** The ack callback of event `K`, or `never` when the event takes no ack. */
export type AckCallback<E, K extends keyof E> =
  EventParams<E, K> extends infer P extends unknown[]
    ? IsTuple<P> extends false
      ? (...args: unknown[]) => void
      : LastParam<P> extends infer L extends AnyFunction
        ? L
        : never
    : never;

/** The arguments the ack of event `K` is called with. */
export type AckArgs<E, K extends keyof E> = AckCallback<E, K> extends (...args: infer R) => unknown ? R : never;

/** What `emitWithAck` resolves with: the ack's first argument (`unknown` without a contract). */
export type AckResult<E, K extends keyof E> = AckArgs<E, K> extends [infer First, ...unknown[]]
  ? First
  : AckArgs<E, K> extends []
    ? void
    : unknown;

/** True when event `K` takes an ack callback. */
export type HasAck<E, K extends keyof E> = [AckCallback<E, K>] extends [never] ? false : true;

/** Event names whose ack is declared, for `emitWithAck`. */
export type EventNamesWithAck<E> = { [K in EventNames<E>]: HasAck<E, K> extends true ? K : never }[EventNames<E>];

/**
 * A listener that may answer the ack by returning (or resolving) the ack's first argument, as well as
 * by calling the ack callback (DESIGN.md, async handlers). For an event without an ack the return
 * value is ignored (`void`), so `(x) => list.push(x)` and async listeners are accepted.
 */
export type AckReturningListener<E, K extends keyof E> = (
  ...args: EventParams<E, K>
) => HasAck<E, K> extends true ? void | AckResult<E, K> | Promise<void | AckResult<E, K>> : void;

/**
 * `timeout(ms).emit(ev, …args, cb)`: the ack callback receives an error first (timeout or
 * disconnect), then the ack's arguments.
 */
export type TimeoutAckCallback<E, K extends keyof E> = (err: Error | null, ...args: AckArgs<E, K>) => void;

/** The arguments `timeout(ms).emit` takes for event `K`. */
export type TimeoutEmitArgs<E, K extends keyof E> =
  HasAck<E, K> extends true ? [...EventArgs<E, K>, TimeoutAckCallback<E, K>] : EventArgs<E, K>;

/** A listener for every incoming (or outgoing) event: the name, then the arguments. */
export type AnyListener = (event: string, ...args: unknown[]) => void;
