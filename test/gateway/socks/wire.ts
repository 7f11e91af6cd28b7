// SOCKS5 bytes the gateway itself never names (it leaves them to socksv5), named here for the tests' clients.

export const SOCKS_VERSION = 0x05;

/** RFC 1928 section 4: CMD values. */
export const COMMAND = { CONNECT: 0x01, BIND: 0x02, UDP_ASSOCIATE: 0x03 } as const;

/** RFC 1928 section 4: ATYP values. */
export const ADDRESS_TYPE = { IPV4: 0x01, DOMAIN_NAME: 0x03, IPV6: 0x04 } as const;

/** RFC 1928 section 6: a reply with an IPv4 BND.ADDR is VER REP RSV ATYP + 4 address + 2 port bytes. */
export const REPLY_LENGTH_IPV4 = 10;

/** RFC 1929: the subnegotiation's version byte. */
export const USERPASS_VERSION = 0x01;
