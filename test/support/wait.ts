export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads until `accept` passes and resolves with that value; fails after `timeoutMs` with what was awaited and the
 * last value seen.
 */
export async function waitForValue<T>(
  read: () => T | Promise<T>,
  accept: (value: T) => boolean,
  {
    timeoutMs = 10_000,
    intervalMs = 100,
    what = 'a value that passes',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) {
      const lastSeen = typeof value === 'boolean' ? '' : `; last seen:\n${String(value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastSeen}`);
    }
    await sleep(intervalMs);
    value = await read();
  }
  return value;
}

/** Polls `check` until it holds; fails after `timeoutMs`, naming `what` was awaited. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 2_000,
  what = 'the condition',
): Promise<void> {
  await waitForValue(check, Boolean, { timeoutMs, intervalMs: 10, what });
}
