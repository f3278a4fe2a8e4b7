export async function hasKeysUnder(
  storage: {
    listPage: (o: { prefix: string; limit: number; signal: AbortSignal }) => Promise<{ items: unknown[] }>;
  },
  key: string,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const page = await storage.listPage({ prefix: `${key}/`, limit: 1, signal });
    return page.items.length > 0;
  } catch {
    return false;
  }
}
