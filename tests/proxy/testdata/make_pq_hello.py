# A ClientHello per RFC 8446 with a hybrid post-quantum key share (X25519MLKEM768, group 0x11EC,
# 1184-byte ML-KEM public key + 32-byte X25519 share), as Chrome and Firefox send it; 1.5+ KiB, so
# it spans TCP segments; then fragmented into TLS records of at most `frag` bytes.
import os, struct, sys
def u16(n): return struct.pack('>H', n)
def ext(t, body): return u16(t) + u16(len(body)) + body
def hello(name, frag, out):
    sni = b'\x00' + u16(len(name)) + name
    exts = ext(0, u16(len(sni)) + sni)
    exts += ext(10, u16(4) + u16(0x11EC) + u16(0x001D))                  # supported_groups
    exts += ext(13, u16(4) + u16(0x0403) + u16(0x0804))                  # signature_algorithms
    exts += ext(43, b'\x02' + u16(0x0304))                               # supported_versions
    exts += ext(16, u16(3) + b'\x02h2')                                  # ALPN
    ks = u16(0x11EC) + u16(1216) + bytes(range(256))*4 + bytes(192) + u16(0x001D) + u16(32) + bytes(32)
    exts += ext(51, u16(len(ks)) + ks)                                   # key_share
    body = b'\x03\x03' + bytes(range(32)) + b'\x20' + bytes(32) + u16(6) + u16(0x1301) + u16(0x1302) + u16(0x1303) + b'\x01\x00'
    body += u16(len(exts)) + exts
    hs = b'\x01' + len(body).to_bytes(3, 'big') + body
    rec = b''
    for i in range(0, len(hs), frag):
        chunk = hs[i:i+frag]; rec += b'\x16\x03\x01' + u16(len(chunk)) + chunk
    open(out, 'wb').write(rec); print(out, len(rec))
hello(b'argocd.cluster', 16384, 'pq-mlkem-argocd.cluster.bin')
hello(b'argocd.cluster', 512, 'pq-mlkem-3-records-argocd.cluster.bin')
hello(b'pve.lan', 1, 'pq-one-byte-records-pve.lan.bin')
