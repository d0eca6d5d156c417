/** A benchmark scenario: something that builds two endpoints, and tears them down again. */
export interface Endpoints {
  client: string; // netns
  server: string; // netns
  serverIp: string;
}

export interface Scenario {
  name: string;
  up(): Endpoints;
  down(): void;
}

/** Runs every scenario `rounds` times, rebuilding it each time, in an order that rotates per round. */
export async function interleave<T>(
  scenarios: Scenario[],
  rounds: number,
  measure: (ep: Endpoints) => Promise<T>,
  log: (line: string) => void,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(scenarios.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < scenarios.length; i++) {
      const s = scenarios[(i + round) % scenarios.length]!;
      const ep = s.up();
      try {
        const value = await measure(ep);
        results.get(s.name)!.push(value);
        log(`round ${round + 1}/${rounds}  ${s.name}: ${JSON.stringify(value)}`);
      } finally {
        s.down();
      }
    }
  }
  return results;
}
