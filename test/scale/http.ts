/** One JSON call to a server of the multi-instance tests: status and parsed body (`{}` when empty). */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export async function callAt(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; auth?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.auth ? { authorization: opts.auth } : {}),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
