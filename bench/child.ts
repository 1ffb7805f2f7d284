import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  process: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts a TypeScript entry point in its own Node process (pinned to `cpu` when taskset exists)
 * and waits for the `{"url": …}` line it prints once listening.
 */
export async function startChild(
  entry: string,
  args: string[],
  cpu: number | null,
  worker = true,
  env: Record<string, string> = {},
): Promise<Child> {
  // BENCH_NODE_ARGS passes flags to the server process only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const node = [process.execPath, ...extra, '--import', 'tsx', entry, ...args];
  const command = cpu === null ? node : ['taskset', '-c', String(cpu), ...node];
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_WORKER: worker ? 'on' : 'off', ...env },
  });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before listening`)));
  });
  return {
    process: child,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          children.delete(child);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
