import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/** MySQL protocol commands that run one SQL statement. */
const COM_QUERY = 0x03;
const COM_STMT_EXECUTE = 0x17;

/**
 * Finds the command byte of every client→server MySQL packet in a byte stream cut at arbitrary places.
 * A packet is a 3-byte little-endian payload length, a 1-byte sequence id, then the payload; a command is the first
 * payload byte of a packet with sequence id 0 (the other packets continue an exchange: handshake, auth, long data).
 */
class CommandScanner {
  private header = Buffer.alloc(5);
  private headerLength = 0;
  private payloadLeft = 0;

  constructor(private readonly onCommand: (command: number) => void) {}

  scan(chunk: Buffer) {
    let at = 0;
    while (at < chunk.length) {
      if (this.payloadLeft > 0) {
        const skipped = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= skipped;
        at += skipped;
        continue;
      }
      // Four header bytes say the length; a non-empty payload's first byte is the command.
      this.header[this.headerLength++] = chunk[at++];
      if (this.headerLength < 4) continue;
      const payloadLength = this.header.readUIntLE(0, 3);
      if (payloadLength === 0) {
        this.headerLength = 0;
        continue;
      }
      if (this.headerLength < 5) continue;
      if (this.header[3] === 0) this.onCommand(this.header[4]);
      this.payloadLeft = payloadLength - 1;
      this.headerLength = 0;
    }
  }
}

/**
 * A TCP proxy in front of MariaDB that counts the SQL statements its clients send (COM_QUERY and
 * COM_STMT_EXECUTE packets, client→server), so a benchmark can run a server through it and read how many
 * statements one request costs. Bytes are forwarded unchanged in both directions.
 */
export class StatementCounter {
  /** Statements sent since the start or the last `take()`. */
  private count = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<StatementCounter> {
    const server = createServer();
    const counter = new StatementCounter(server);
    server.on('connection', (client) => counter.forward(client, target));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    return counter;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The statements counted since the last call, and starts counting again from 0. */
  take(): number {
    const counted = this.count;
    this.count = 0;
    return counted;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((closed) => this.server.close(() => closed()));
  }

  private forward(client: Socket, target: { host: string; port: number }) {
    const database = createConnection(target);
    const scanner = new CommandScanner((command) => {
      if (command === COM_QUERY || command === COM_STMT_EXECUTE) this.count++;
    });
    this.sockets.add(client).add(database);
    client.setNoDelay(true);
    database.setNoDelay(true);
    client.on('data', (chunk) => {
      scanner.scan(chunk);
      database.write(chunk);
    });
    database.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      database.destroy();
      this.sockets.delete(client);
      this.sockets.delete(database);
    };
    client.on('close', end).on('error', end);
    database.on('close', end).on('error', end);
  }
}
