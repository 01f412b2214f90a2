import { BlockList, isIP } from 'node:net';

/**
 * The address a request came from. Behind a load balancer every connection comes from the
 * balancer, so `X-Forwarded-For` is believed, but only when the connecting address is a
 * configured proxy (`trustProxy`); otherwise any client could pick its own address (and escape
 * its login rate limit). Each proxy appends the address it saw, so the list is read from the
 * right and the first entry not itself a trusted proxy is the client.
 */
export class ClientAddressResolver {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  /** `trustProxy` as validated: addresses or CIDRs, IPv4 or IPv6. */
  constructor(trustProxy: readonly string[]) {
    for (const entry of trustProxy) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#trusted.addAddress(address, family);
      else this.#trusted.addSubnet(address, Number(prefix), family);
    }
    this.#any = trustProxy.length > 0;
  }

  /** The client address for a connection from `socketAddress` carrying `forwardedFor` headers. */
  resolve(socketAddress: string | undefined, forwardedFor: string | undefined): string {
    const peer = normalise(socketAddress ?? '');
    if (!this.#any || forwardedFor === undefined || !this.isTrusted(peer)) return peer;
    const hops = forwardedFor.split(',').map((hop) => normalise(hop.trim()));
    let client = peer;
    for (let index = hops.length - 1; index >= 0; index -= 1) {
      const hop = hops[index] ?? '';
      // A hop that is no address was not written by a trusted proxy: stop at the last good one.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }

  isTrusted(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.#trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) → `10.0.0.1`; `[::1]` → `::1`. */
function normalise(address: string): string {
  const unbracketed = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unbracketed)?.[1];
  return (mapped ?? unbracketed).toLowerCase();
}
