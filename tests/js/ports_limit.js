// ports_limit.js: MessageChannels made and never closed. Past wwd's
// limit of ports one connection holds (IPC_PORTS_MAX, less a margin for
// ports in flight), the constructor throws; closing some makes room.
var a = [], r;
try {
	while (true)
		a.push(new MessageChannel());
} catch (e) {
	r = [e.name, a.length];
}
for (var i = 0; i < 10; i++) {
	a[i].port1.close();
	a[i].port2.close();
}
var mc = new MessageChannel();
mc.port2.onmessage = function (e) {
	r.push(e.data);
	postMessage(r);
	close();
};
mc.port1.postMessage('works again');
