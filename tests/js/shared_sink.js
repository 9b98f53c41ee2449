// A shared worker that counts the numbers arriving in order on each port
// it is given; at "end" on that port it tells every client that said
// "watch" the count.
var watchers = [];
onconnect = function (ev) {
	var cp = ev.ports[0];

	cp.onmessage = function (e) {
		var next = 0;

		if (e.data === 'watch') {
			watchers.push(cp);
			cp.postMessage('watching');
		}
		if (e.ports.length === 0)
			return;
		e.ports[0].onmessage = function (m) {
			var i;

			if (m.data !== 'end') {
				if (m.data === next)
					next++;
				return;
			}
			for (i = 0; i < watchers.length; i++)
				watchers[i].postMessage(next);
		};
	};
};
