import { BlockList, isIP } from 'node:net';

/** What an address is, as far as sending webhooks to it is concerned. */
export type AddressClass = 'public' | 'private' | 'loopback' | 'link_local' | 'metadata' | 'unspecified' | 'reserved';

function blockList(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv4');
  for (const cidr of v6) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv6');
  return list;
}

// Checked in this order: the first list that holds the address names its class. BlockList matches
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 rules.
const CLASSES: Array<[AddressClass, BlockList]> = [
  // Cloud instance metadata services (AWS, GCP, Azure, ECS, Alibaba, Oracle): credentials live there.
  ['metadata', blockList(['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', '192.0.0.192/32'], ['fd00:ec2::254/128'])],
  ['link_local', blockList(['169.254.0.0/16'], ['fe80::/10'])],
  ['loopback', blockList(['127.0.0.0/8'], ['::1/128'])],
  ['unspecified', blockList(['0.0.0.0/8'], ['::/128'])],
  ['private', blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['fc00::/7'])],
  [
    'reserved',
    blockList(
      ['192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'],
      // Documentation, multicast, and the translation prefixes that can embed any IPv4 address.
      ['2001:db8::/32', 'ff00::/8', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16', '2001::/32', '100::/64'],
    ),
  ],
];

/** Classifies an IP address (v4 or v6, without brackets). */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP address: ${address}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of CLASSES) if (list.check(address, type)) return cls;
  return 'public';
}

const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** Classifies a host name by its name alone (`public` means: resolve it and classify the addresses). */
export function classifyHostName(name: string): AddressClass {
  const host = name.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(host)) return 'metadata';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'public';
}

/** Development mode lets private and loopback receivers through; link-local and metadata never. */
export function isAllowed(cls: AddressClass, allowPrivate: boolean): boolean {
  return cls === 'public' || (allowPrivate && (cls === 'private' || cls === 'loopback'));
}

export type UrlCheck =
  { ok: true; url: URL; host: string; isLiteral: boolean } | { ok: false; code: 'validation_error' | 'webhook_url_not_allowed'; reason: string };

/**
 * The checks a webhook URL passes before anything resolves it: absolute http(s) URL without
 * credentials, `https` unless development mode, and no refused literal address or reserved name.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, code: 'validation_error', reason: 'url must be an absolute http or https URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, code: 'validation_error', reason: 'url must use the https scheme' };
  }
  if (url.username || url.password) return { ok: false, code: 'validation_error', reason: 'url must not contain credentials' };
  if (url.protocol === 'http:' && !allowPrivate) return { ok: false, code: 'webhook_url_not_allowed', reason: 'only https URLs are allowed' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const isLiteral = isIP(host) !== 0;
  const cls = isLiteral ? classifyAddress(host) : classifyHostName(host);
  if (!isAllowed(cls, allowPrivate)) return { ok: false, code: 'webhook_url_not_allowed', reason: refusal(host, cls) };
  return { ok: true, url, host, isLiteral };
}

export function refusal(host: string, cls: AddressClass): string {
  const what: Record<AddressClass, string> = {
    public: 'a public address',
    private: 'a private network address',
    loopback: 'a loopback address',
    link_local: 'a link-local address',
    metadata: 'a cloud metadata address',
    unspecified: 'an unspecified address',
    reserved: 'a reserved address',
  };
  return `${host} is ${what[cls]}; webhooks are only sent to public addresses`;
}
