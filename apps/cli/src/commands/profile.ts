// Placeholder until the profile command lands (issue 3).
export function runProfile(_args: string[]): Promise<number> {
  console.error('tinysaver profile: not implemented yet');
  return Promise.resolve(1);
}
