// A minimal Ory Kratos self-service UI: no framework, no build step.
//
// Kratos sends the browser to <ui_url>?flow=<id>; this page fetches that flow
// and renders its nodes as HTML forms that post straight to ui.action. The
// page must be served by the same Caddy as the gateway and fetch flows from
// its own origin: when a web hook interrupts a form submit, the gateway keeps
// the hook's messages and the submitted values in a short-lived cookie and
// puts them back into the flow only when the flow is fetched through it.
import { el, messageList, renderUI } from './render.js';

// The gateway (Kratos's public API) is this page's origin.
const KRATOS = '';

// Pages that render a self-service flow, with their headings.
const FLOWS = {
	registration: 'Create an account',
	login: 'Sign in',
	settings: 'Account settings',
	recovery: 'Recover your account',
	verification: 'Verify your e-mail address',
};

const app = document.getElementById('app');
const params = new URLSearchParams(location.search);

// getJSON asks Kratos (through the gateway) for JSON, with the browser's
// cookies: the CSRF cookie for browser flows, the session for settings.
async function getJSON(path) {
	const res = await fetch(KRATOS + path, {
		credentials: 'include',
		headers: { Accept: 'application/json' },
	});
	let body = null;
	try {
		body = await res.json();
	} catch {
		// An empty or non-JSON answer: the status says enough.
	}
	return { status: res.status, body };
}

function show(...children) {
	app.replaceChildren(...children);
}

// showFlow renders the flow named by ?flow=, or starts a new browser flow
// (Kratos redirects back here with ?flow=).
async function showFlow(flow) {
	const id = params.get('flow');
	if (!id) {
		startFlow(flow);
		return;
	}
	const { status, body } = await getJSON(`/self-service/${flow}/flows?id=${encodeURIComponent(id)}`);
	if (status === 200) {
		document.title = FLOWS[flow];
		show(el('h1', {}, FLOWS[flow]), renderUI(body.ui), flowLinks(flow));
		return;
	}
	recoverFromFlowError(flow, status, body);
}

function startFlow(flow) {
	const query = new URLSearchParams();
	if (params.get('return_to')) query.set('return_to', params.get('return_to'));
	const qs = query.size ? `?${query}` : '';
	location.assign(`${KRATOS}/self-service/${flow}/browser${qs}`);
}

// recoverFromFlowError follows Kratos's hints where it gives them and
// otherwise explains the problem, with a way to start over (never an
// automatic restart, which could loop when cookies are blocked).
function recoverFromFlowError(flow, status, body) {
	const err = body?.error ?? {};
	if (body?.redirect_browser_to) {
		location.assign(body.redirect_browser_to); // e.g. a settings flow needs a fresh login
		return;
	}
	if (status === 410 && body?.use_flow_id) {
		location.assign(`?flow=${encodeURIComponent(body.use_flow_id)}`); // expired: Kratos made a new one
		return;
	}
	if (status === 401) {
		location.assign('login'); // settings without a session
		return;
	}
	show(
		el('h1', {}, FLOWS[flow]),
		el('p', { class: 'message message-error' }, `${err.message || 'The flow could not be loaded'} (${status})`),
		el('p', {}, el('a', { href: `${KRATOS}/self-service/${flow}/browser` }, 'Start over')),
	);
}

function flowLinks(flow) {
	const links = {
		registration: [['login', 'Already have an account? Sign in']],
		login: [['registration', 'No account yet? Sign up'], ['recovery', 'Forgot your password?']],
		settings: [['welcome', 'Back to the start page']],
	}[flow] ?? [];
	return el('p', { class: 'links' }, ...links.map(([href, text]) => el('a', { href }, text)));
}

// showWelcome shows who is signed in (whoami) and how to sign out.
async function showWelcome() {
	const { status, body } = await getJSON('/sessions/whoami');
	if (status !== 200) {
		show(
			el('h1', {}, 'Welcome'),
			el('p', { id: 'signed-out' }, 'You are not signed in.'),
			el('p', { class: 'links' }, el('a', { href: 'login' }, 'Sign in'), el('a', { href: 'registration' }, 'Sign up')),
		);
		return;
	}
	const identity = body.identity;
	const name = identity.traits.name ?? {};
	const logout = await getJSON('/self-service/logout/browser');
	show(
		el('h1', {}, 'Welcome'),
		el('p', { id: 'signed-in' }, 'Signed in as ', el('strong', { id: 'session-email' }, identity.traits.email)),
		el('dl', {},
			el('dt', {}, 'Name'), el('dd', { id: 'session-name' }, [name.first, name.last].filter(Boolean).join(' ') || '–'),
			el('dt', {}, 'Identity'), el('dd', { id: 'session-identity' }, identity.id),
			el('dt', {}, 'Signed in with'), el('dd', {}, (body.authentication_methods ?? []).map((m) => m.method).join(', '))),
		el('p', { class: 'links' },
			el('a', { href: 'settings', id: 'settings-link' }, 'Account settings'),
			logout.status === 200 ? el('a', { href: logout.body.logout_url, id: 'logout-link' }, 'Sign out') : null),
	);
}

// showError shows a self-service error (Kratos's, or one the gateway made up
// for a failed web hook: both are served at /self-service/errors?id=).
async function showError() {
	const id = params.get('id');
	const { status, body } = id ? await getJSON(`/self-service/errors?id=${encodeURIComponent(id)}`) : { status: 0, body: null };
	const err = body?.error ?? {};
	show(
		el('h1', {}, 'Something went wrong'),
		status === 200
			? messageList([{ id: err.id, type: 'error', text: `${err.code} ${err.status}: ${err.message}` }], 'error-details')
			: el('p', { class: 'message message-error' }, 'The error could not be loaded.'),
		err.reason ? el('p', { id: 'error-reason' }, err.reason) : null,
		el('p', { class: 'links' }, el('a', { href: 'welcome' }, 'Back to the start page')),
	);
}

async function main() {
	const page = location.pathname.split('/').filter(Boolean).pop();
	try {
		if (Object.hasOwn(FLOWS, page)) await showFlow(page);
		else if (page === 'error') await showError();
		else await showWelcome();
	} catch (e) {
		show(el('p', { class: 'message message-error' }, `The gateway could not be reached: ${e.message}`));
	}
}

main();
