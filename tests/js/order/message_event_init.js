// message_event_init.js: MessageEventInit as WebIDL converts it: source
// is a MessagePort or null, ports a sequence of MessagePorts; anything
// else is a TypeError.
var r = [], mc = new MessageChannel();
function t(i) {
	try {
		var e = new MessageEvent('x', i);
		r.push(e.ports.length + ':' +
		    (e.source === null ? 'null' : typeof e.source));
	} catch (x) {
		r.push(x.name);
	}
}
t({ ports: [1] });
t({ source: {} });
t({ ports: 5 });
t({ ports: null });
t({ ports: [mc.port1, mc.port2] });
t({ source: mc.port1 });
t({ ports: [] });
t({});
t(undefined);
postMessage(r);
close();
