// bench.js: the Node 20 worker_threads side of wwd-bench (bench/main.c runs
// it, pinned like everything else). Does the same work as bench/run.c with
// worker.js and prints one JSON object whose keys are bench/report.c's.
//   usage: node --expose-gc bench.js SPAWNS BURST RTTS WARMUP SMALL BIG
//          MEM0 MEM1 MEMMAX ONLY (bits: 1 spawn, 2 messages, 4 memory)
'use strict';
const { Worker } = require('worker_threads');
const path = require('path');

const SCRIPT = path.join(__dirname, 'worker.js');
const [spawns, burst, rtts, warmup, small, big, mem0, mem1, memMax,
	only] = process.argv.slice(2).map(Number);
const now = () => Number(process.hrtime.bigint()) / 1e3;	// us

function percentile(v, p) {
	v.sort((a, b) => a - b);
	const i = Math.round(p / 100 * v.length) - 1;
	return v[Math.min(Math.max(i, 0), v.length - 1)];
}

// A new worker and a promise of its first message.
function start() {
	const w = new Worker(SCRIPT);
	const up = new Promise((resolve, reject) => {
		w.once('message', resolve);
		w.once('error', reject);
	});
	return { w, up };
}

async function spawnSeq(out) {
	const t = [];
	for (let i = 0; i < spawns; i++) {
		const t0 = now();
		const { w, up } = start();
		await up;
		t.push((now() - t0) / 1e3);
		await w.terminate();
	}
	out.spawn_p50_ms = percentile(t, 50);
	out.spawn_p99_ms = percentile(t, 99);
}

// BURSTS times burst workers started at once: the median rate, as run.c.
const BURSTS = 3;
async function spawnBurst(out) {
	const rate = [];
	for (let k = 0; k < BURSTS; k++) {
		const t0 = now();
		const ws = [];
		for (let i = 0; i < burst; i++)
			ws.push(start());
		await Promise.all(ws.map((x) => x.up));
		rate.push(burst / ((now() - t0) / 1e6));
		await Promise.all(ws.map((x) => x.w.terminate()));
	}
	out.spawn_rate = percentile(rate, 50);
}

// n round trips, each timed, driven from the message handler.
function echo(w, n) {
	return new Promise((resolve) => {
		const t = new Array(n);
		let i = 0, t0 = now();
		const on = () => {
			t[i++] = now() - t0;
			if (i === n) {
				w.off('message', on);
				resolve(t);
				return;
			}
			t0 = now();
			w.postMessage(7);
		};
		w.on('message', on);
		w.postMessage(7);
	});
}

// Post n copies of msg, then 'end'; resolves to the elapsed us.
function oneway(w, msg, n) {
	return new Promise((resolve, reject) => {
		const t0 = now();
		w.once('message', (count) => {
			if (count !== n)
				reject(new Error(`counted ${count} of ${n}`));
			resolve(now() - t0);
		});
		for (let i = 0; i < n; i++)
			w.postMessage(msg);
		w.postMessage('end');
	});
}

// The best rate of PASSES passes (msg/s, or MB/s of size-byte messages),
// as bench/run.c's oneway_rate.
const PASSES = 5;
async function onewayRate(w, msg, n, size) {
	let best = 0;
	for (let i = 0; i < PASSES; i++) {
		const t = await oneway(w, msg, n);
		best = Math.max(best, size > 0 ? n * size / t : n / (t / 1e6));
	}
	return best;
}

async function messages(out) {
	const { w, up } = start();
	await up;
	await echo(w, warmup);
	const t = await echo(w, rtts);
	out.echo_p50_us = percentile(t, 50);
	out.echo_p99_us = percentile(t, 99);
	await oneway(w, 'x', warmup);
	out.small_rate = await onewayRate(w, 'x', small, 0);
	out.big_mbs = await onewayRate(w, 'a'.repeat(64 * 1024), big,
	    64 * 1024);
	await w.terminate();
}

// RSS slope per idle worker as the fleet grows to each size. Node's
// workers are threads of this one process, so its RSS slope is both what
// a worker costs and what the whole runtime grew by (slope_kib).
async function memory(out) {
	const sizes = [mem0, mem1, memMax];
	const ws = [];
	global.gc();
	const base = process.memoryUsage().rss;
	for (let i = 0; i < sizes.length; i++) {
		const more = [];
		while (ws.length + more.length < sizes[i])
			more.push(start());
		await Promise.all(more.map((x) => x.up));
		ws.push(...more);
		global.gc();
		const rss = process.memoryUsage().rss;
		out['mem_kib_' + i] = (rss - base) / 1024 / ws.length;
		out['slope_kib_' + i] = out['mem_kib_' + i];
		out['mem_n_' + i] = ws.length;
	}
	await Promise.all(ws.map((x) => x.w.terminate()));
}

async function main() {
	const out = { version: process.version };
	if (only & 1) {
		await spawnSeq(out);
		await spawnBurst(out);
	}
	if (only & 2)
		await messages(out);
	if (only & 4)
		await memory(out);
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
	console.error('bench.js:', e);
	process.exit(1);
});
