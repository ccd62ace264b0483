// Placeholder until the pack command lands (issue 3).
export function runPack(_args: string[]): Promise<number> {
  console.error('tinysaver pack: not implemented yet');
  return Promise.resolve(1);
}
