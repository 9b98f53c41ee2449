// clone_ports.js: structuredClone with MessagePorts in the transfer list.
// The clone holds a new port entangled with the original's peer, the
// original is neutered (posting on it does nothing, transferring it again
// is a DataCloneError), and messages queued on it move with it in order.
// A port outside the transfer list is a DataCloneError. clone_ports.out
// follows the HTML spec where Node 20 differs: a port outside the
// transfer list is a DataCloneError (Node: TypeError), and a failed
// clone leaves the port usable (Node: detached).
function err(f) {
	try { f(); } catch (e) { return e.name; }
	return "none";
}
var ch = new MessageChannel(), log = [];
ch.port2.postMessage("q1");
ch.port2.postMessage("q2");
var b = new ArrayBuffer(4);
var c = structuredClone({ p: ch.port1, b: b, again: ch.port1 },
    { transfer: [b, ch.port1] });
var p = c.p;
ch.port2.postMessage("q3");
log.push(p instanceof MessagePort, p !== ch.port1, c.again === p,
    b.byteLength, c.b.byteLength,
    err(function () { structuredClone(p); }),
    err(function () { structuredClone({ x: [p] }, { transfer: [] }); }),
    err(function () { structuredClone(1, { transfer: [ch.port1] }); }),
    err(function () { structuredClone(1, { transfer: [p, p] }); }),
    err(function () { ch.port1.postMessage("lost"); }));
ch.port1.onmessage = function (e) { log.push("old " + e.data); };
var n = 0;
p.onmessage = function (e) {
	log.push("new " + e.data);
	if (++n === 3)
		p.postMessage("to peer");
};
ch.port2.onmessage = function (e) {
	log.push("peer " + e.data);
	if (e.data === "from moved") {
		postMessage(log);
		close();
		return;
	}
	// The renewed port goes on: transferred again, after a buffer.
	var x = new MessageChannel();
	x.port2.onmessage = function (ev) {
		var q = ev.data.p;
		log.push(q === ev.ports[0], ev.data.b.byteLength);
		q.onmessage = function (e2) {
			log.push("moved " + e2.data);
			q.postMessage("from moved");
		};
	};
	x.port1.postMessage({ b: new ArrayBuffer(3), p: p },
	    [new ArrayBuffer(1), p]);
	log.push(err(function () { p.postMessage("lost too"); }));
	ch.port2.postMessage("last");
};
