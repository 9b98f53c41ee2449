#!/usr/bin/env python3
# mkseeds.py: writes the seed corpora of tests/fuzz into seeds/<target>/
# (a few dozen small files each). Run from anywhere; the output is
# committed, so CI never runs this. Frames follow docs/protocol.md: a
# 16-byte big-endian header (u32 length, u16 type, u16 flags, u64 port)
# and a msgpack body; payloads are the clone encoding (ext 0 = undefined).
import os, struct, shutil

HERE = os.path.dirname(os.path.abspath(__file__))

def pk(v):
    """A tiny msgpack packer: None, bool, int, float, str, bytes, list,
    dict, and ('ext', type, data)."""
    if v is None: return b'\xc0'
    if v is True: return b'\xc3'
    if v is False: return b'\xc2'
    if isinstance(v, int):
        if 0 <= v < 128: return bytes([v])
        if -32 <= v < 0: return struct.pack('b', v)
        if 0 <= v < 2**32: return b'\xce' + struct.pack('>I', v)
        if 0 <= v: return b'\xcf' + struct.pack('>Q', v)
        return b'\xd3' + struct.pack('>q', v)
    if isinstance(v, float): return b'\xcb' + struct.pack('>d', v)
    if isinstance(v, str):
        b = v.encode('utf-8', 'surrogatepass')
        if len(b) < 32: return bytes([0xa0 | len(b)]) + b
        if len(b) < 256: return b'\xd9' + bytes([len(b)]) + b
        return b'\xda' + struct.pack('>H', len(b)) + b
    if isinstance(v, bytes):
        return b'\xc4' + bytes([len(v)]) + v
    if isinstance(v, tuple) and v[0] == 'ext':
        return b'\xc7' + bytes([len(v[2]), v[1]]) + v[2]
    if isinstance(v, list):
        h = bytes([0x90 | len(v)]) if len(v) < 16 else \
            b'\xdc' + struct.pack('>H', len(v))
        return h + b''.join(pk(x) for x in v)
    if isinstance(v, dict):
        h = bytes([0x80 | len(v)]) if len(v) < 16 else \
            b'\xde' + struct.pack('>H', len(v))
        return h + b''.join(pk(k) + pk(x) for k, x in v.items())
    raise TypeError(v)

def frame(t, port, body, flags=0, length=None):
    n = len(body) if length is None else length
    return struct.pack('>IHHQ', n, t, flags, port) + body

UNDEF = b'\xd4\x00\x00'
VALUES = [None, True, False, 0, 1, -1, 127, 128, -33, 2**31, 2**63,
    -2**63, 0.5, -0.0, 1e308, float('inf'), float('nan'), "", "hi",
    "\u00e9\u4e2d", "a" * 40, "a" * 300, "\ud83d\ude00", [], [1, [2, [3]]],
    {}, {"a": 1, "b": [True, None]}, {"x": {"y": {"z": "deep"}}},
    [None] * 20, {"k%d" % i: i for i in range(20)}, b'\x00\x01bin']
BODIES = {
    1: [1, "client", "wwd 0.1.0", 0, 0],
    2: ["bad-body", "what went wrong"],
    16: ["dedicated", "file:///w.js", "n", "", "", "postMessage(1)", "classic"],
    17: [42, 1234],
    18: [],
    19: [-1, 9, "killed", ""],
    32: [3, "dedicated", "data:,", "", "null", "", "x=1", 256, 256, 2],
    33: ["closed", ""],
    48: [[], b'\xc0'],
    49: ["boom", "file:///w.js", 3, 0],
    50: ["log", "hi 1", b'\x92\xa2hi\x01'],
    51: [],
}
MSG_ORDER = [1, 2, 16, 17, 19, 32, 33, 48, 49, 50, 18]  # fuzz_msg.c

def out(target, name, data):
    d = os.path.join(HERE, 'seeds', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

def main():
    shutil.rmtree(os.path.join(HERE, 'seeds'), ignore_errors=True)
    # frame: every type, streams of several, and the classic faults
    allf = b''
    for t, body in BODIES.items():
        fr = frame(t, 7, pk(body))
        out('frame', 'type%d' % t, fr)
        allf += fr
    out('frame', 'stream', allf)
    out('frame', 'truncated-header', allf[:10])
    out('frame', 'truncated-body', frame(16, 1, pk(BODIES[16]))[:-3])
    out('frame', 'flags', frame(18, 1, b'\x90', flags=0x100))
    out('frame', 'oversized', frame(48, 1, b'', length=2**32 - 1))
    out('frame', 'count-bomb', frame(16, 1, b'\xdd\xff\xff\xff\xff' +
        b'\0' * 4))
    out('frame', 'deep33', frame(16, 1, b'\x91' * 33 + b'\xc0'))
    out('frame', 'deep32', frame(16, 1, b'\x91' * 31 + b'\x90'))
    out('frame', 'zero', frame(18, 0, b''))
    out('frame', 'c1', frame(16, 1, b'\xc1'))
    out('frame', 'trailing', frame(18, 1, b'\x90\x90'))
    out('frame', 'ext', frame(48, 1, pk([[], UNDEF])))
    # msg: selector byte + body, valid and broken per decoder
    for i, t in enumerate(MSG_ORDER):
        body = pk(BODIES[t])
        out('msg', '%02d-ok' % i, bytes([i]) + body)
        out('msg', '%02d-short' % i, bytes([i]) + body[:-1])
        fields = BODIES[t]
        if fields:
            out('msg', '%02d-fewer' % i, bytes([i]) + pk(fields[:-1]))
            out('msg', '%02d-types' % i, bytes([i]) +
                pk([None] * len(fields)))
    out('msg', '07-transfer', bytes([7]) + pk([[1, 2, 2**64 - 1], b'\x90']))
    out('msg', '07-transfer257', bytes([7]) + b'\x92\xdc\x01\x01' +
        b'\x01' * 257 + b'\xc4\x01\xc0')
    out('msg', '00-neg', bytes([0]) + pk([-1, "client", "", -5, 0]))
    # JSON texts
    texts = ['null', 'true', '0', '-0', '1e400', '-1.5e-300',
        '123456789012345678901234567890', '"\\ud83d\\ude00"',
        '"\\ud800"', '"\\u0000"', '"a\\nb\\t\\"c\\\\"', '[]', '{}',
        '[1,[2,[3,[4]]]]', '{"a":{"b":{"c":[null,false]}}}',
        '{"dup":1,"dup":2}', '[' * 33 + ']' * 33, '[' * 32 + ']' * 32,
        ' \t\n[1 , 2 ]\r\n', '[1,]', '{"a"}', '"\x01"', '01', '1.',
        '.5', '1e', '"\xc3\xa9"', '"\xff"', '9007199254740993',
        '18446744073709551616', '-9223372036854775809', '0.1',
        '{"k":"' + 'x' * 200 + '"}']
    for i, t in enumerate(texts):
        out('json', '%02d' % i, t.encode('utf-8', 'surrogateescape')
            if isinstance(t, str) else t)
    # msgpack payloads: for the JSON printer and the worker's decoder
    for i, v in enumerate(VALUES):
        out('json_out', '%02d' % i, pk(v))
        out('clone', '%02d' % i, pk(v))
    extra = {'undef': UNDEF, 'undef-in-array': b'\x92' + UNDEF + b'\x01',
        'ext-unknown': b'\xd4\x05\x00', 'map-int-key': b'\x81\x01\x02',
        'bad-utf8': b'\xa2\xff\xfe', 'deep32': b'\x91' * 31 + b'\x90',
        'deep33': b'\x91' * 33 + b'\xc0', 'c1': b'\xc1',
        'trailing': b'\xc0\xc0', 'truncated': b'\x92\x01',
        'float32': b'\xca\x3f\x80\x00\x00', 'bin': b'\xc4\x00',
        'dup-keys': b'\x82\xa1a\x01\xa1a\x02',
        'proto-key': pk({"__proto__": {"x": 1}}),
        'cesu': b'\xa6\xed\xa0\xbd\xed\xb8\x80'}
    for k, v in extra.items():
        out('json_out', k, v)
        out('clone', k, v)

main()
