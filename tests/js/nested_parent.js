// Starts N nested workers (N from the first message), each of which
// starts a grandchild; says "ready" once every grandchild answered.
onmessage = function (e) {
	var n = 1 * e.data, up = 0, i, w;
	for (i = 0; i < n; i++) {
		w = new Worker('data:,var g=new Worker("data:,postMessage(1)");' +
		    'g.onmessage=function(){postMessage(1)}');
		w.onmessage = function () {
			if (++up === n)
				postMessage('ready');
		};
	}
};
