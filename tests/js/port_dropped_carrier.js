// A message posted on a port whose peer is closed is dropped with the
// ports it carries, here one with a message already on its way to it:
// the sender carries on (it was cut off for bouncing that message).
var closer = new Worker('data:,onmessage=function(e){' +
    'if(e.ports.length)e.ports[0].close();postMessage("ok")}');
var ch = new MessageChannel(), stage = 0;
closer.onmessage = function () {
	var y;

	if (stage++ > 0) {
		/* After the bounce: "ping" went out behind it. */
		postMessage('still here');
		close();
		return;
	}
	y = new MessageChannel();
	y.port1.postMessage('on its way');
	ch.port1.postMessage('carry', [y.port2]);
	closer.postMessage('ping');
};
closer.postMessage('take', [ch.port2]);
