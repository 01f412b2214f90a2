import { request } from 'undici';

/** One HTTP answer, body read whole, so a test can assert on status, headers and bytes together. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request with undici and reads the whole answer into a `Reply`. */
export async function fetchReply(url: string, options?: Parameters<typeof request>[1]): Promise<Reply> {
  const response = await request(url, options);
  return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
}

/** The first entry of an OCI error body (`{ errors: [{ code, message, detail }] }`). */
export function firstError(reply: Reply): { code: string; message: string; detail?: unknown } {
  return (JSON.parse(reply.body.toString('utf8')) as { errors: { code: string; message: string; detail?: unknown }[] }).errors[0]!;
}
