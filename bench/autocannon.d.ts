/** The part of autocannon 8's programmatic API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  function autocannon(options: autocannon.AutocannonOptions): Promise<autocannon.AutocannonResult>;
  /** With a callback: the running instance, which emits 'response' once per response. */
  function autocannon(
    options: autocannon.AutocannonOptions,
    done: (error: Error | null, result: autocannon.AutocannonResult) => void,
  ): { on(event: 'response', listener: () => void): void };

  namespace autocannon {
    interface AutocannonRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Called before each request is sent; returns the request to send (e.g. with a fresh body). */
      setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
    }

    interface AutocannonOptions {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Cycled through by every connection, in order. */
      requests?: AutocannonRequest[];
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** A fixed number of requests instead of a duration. */
      amount?: number;
      timeout?: number;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface AutocannonResult {
      requests: Histogram & { sent: number };
      latency: Histogram;
      throughput: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      /** Seconds. */
      duration: number;
    }
  }

  export = autocannon;
}
