// worker.js: the Node peer of the wwd bench worker (bench/run.c WORKER_JS):
// answers a number with the same number, counts any other string, and
// answers 'end' with the count. Its first message says it is up.
'use strict';
const { parentPort } = require('worker_threads');

let count = 0;
parentPort.on('message', (d) => {
	if (typeof d === 'number')
		parentPort.postMessage(d);
	else if (d === 'end') {
		parentPort.postMessage(count);
		count = 0;
	} else
		count++;
});
parentPort.postMessage(-1);
