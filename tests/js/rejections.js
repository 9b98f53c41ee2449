// rejections.js: unhandled rejections as the owner sees them
// (test_loop.c). One cancelled, one not, one handled later.
var events = [];
onunhandledrejection = function (e) {
	events[events.length] = 'unhandled ' + e.reason + ' ' + e.cancelable;
	if (e.reason === 'cancelled')
		e.preventDefault();
};
addEventListener('rejectionhandled', function (e) {
	events[events.length] = 'handled ' + e.reason +
	    ' ' + (e.promise === late);
	postMessage(events);
	close();
});
Promise.reject('cancelled');
Promise.reject(new Error('boom'));
var late = Promise.reject('late');
setTimeout(function () { late.catch(function () {}); }, 0);
