// blob.js: Blob's bytes. Strings are UTF-8 encoded (a lone surrogate as
// U+FFFD), buffers and views copied; text() decodes as WHATWG's decoder
// does (each maximal invalid subpart a U+FFFD). Large blobs and many
// parts must be cheap: these ran out of memory when the bytes were
// built a character at a time.
var big = '';
for (var i = 0; i < 500; i++) big += 'abcdefghij\u00e9\u4e2d\ud83d\ude00';
var parts = [];
for (i = 0; i < 100000; i++) parts.push('x');
var u8 = new Uint8Array(300000);
u8[299999] = 7;
var lone = new Blob(['a\ud800b\udc00c'], { type: 'Text/Plain' });
var bad = new Blob([new Uint8Array([0x61, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98,
    0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x00, 0x63, 0xf4, 0x90, 0x80])]);
var views = new Blob([new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2),
    new Int16Array([258]), new Uint8Array([9, 8]).buffer, lone]);
var large = new Blob([big, big, u8, big]);
function bytes(b) { return Array.prototype.slice.call(new Uint8Array(b)); }
Promise.all([lone.text(), bad.text(), views.arrayBuffer(),
    lone.slice(1, 4).arrayBuffer(), large.text(), large.arrayBuffer()])
    .then(function (r) {
	var tail = new Uint8Array(r[5], 19000, 300000);	/* after 2 bigs */
	postMessage([r[0], r[1], bytes(r[2]), bytes(r[3])]);
	postMessage([lone.size, lone.type, views.size,
	    new Blob(parts).size, large.size,
	    r[4].slice(0, 19) === big.slice(0, 19), r[4].length,
	    tail[299999], new Blob([]).size]);
	close();
    });
