// console_counters.js: console's counters, groups and timers, as the
// Console standard has them (the timer's value varies: only its label
// and unit are printed here through a stand-in).
console.count();
console.count();
console.count('x');
console.countReset();
console.count();
console.countReset('nope');
console.group('G', 1);
console.log('inside');
console.groupCollapsed();
console.info('deeper');
console.groupEnd();
console.groupEnd();
console.log('out');
console.time('t');
console.time('t');
console.timeLog('nope');
console.timeEnd('nope');
console.table([1]);
console.count('__proto__');
close();
