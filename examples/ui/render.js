// Rendering of Kratos UI containers (flow.ui: action, method, messages, nodes)
// into plain HTML forms that the browser submits itself: a form post,
// answered by Kratos (through the gateway) with redirects and cookies.
//
// Everything from the server is put into the page with textContent and
// attributes, never as HTML, so a message or trait cannot inject markup.

// el builds an element. Attributes with the value false, null or undefined
// are left out; true sets a boolean attribute.
export function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [name, value] of Object.entries(attrs)) {
		if (value === false || value === null || value === undefined) continue;
		node.setAttribute(name, value === true ? '' : String(value));
	}
	node.append(...children.filter((c) => c !== null && c !== undefined));
	return node;
}

// messageList renders Kratos UI texts ({id, text, type}) as paragraphs whose
// class carries the type (info, error, success).
export function messageList(messages, className) {
	const list = el('div', { class: className });
	for (const m of messages || []) {
		list.append(el('p', { class: `message message-${m.type}`, 'data-message-id': m.id }, m.text));
	}
	return list;
}

// renderUI renders a flow's ui: its top-level messages, then one form per
// method group (see formGroups).
export function renderUI(ui) {
	const box = el('div', { class: 'flow-ui' });
	box.append(messageList(ui.messages, 'flow-messages'), hiddenFieldMessages(ui.nodes));
	for (const [group, nodes] of formGroups(ui.nodes)) {
		const form = el('form', { action: ui.action, method: ui.method, 'data-group': group });
		for (const node of nodes) {
			const rendered = renderNode(node);
			if (rendered) form.append(rendered);
		}
		box.append(form);
	}
	return box;
}

// hiddenFieldMessages shows, once, the messages of hidden inputs with the
// value they are about. In the password step of the two-step sign-up the
// traits are hidden inputs, and a web hook's message on #/traits/email lands
// on that hidden node (in Kratos as through the gateway); the "Back" button
// returns to the step where the e-mail can be changed.
function hiddenFieldMessages(nodes) {
	const box = el('div', { class: 'hidden-fields' });
	for (const node of nodes) {
		const a = node.attributes;
		if (node.type !== 'input' || a.type !== 'hidden' || !node.messages?.length) continue;
		const shownValue = a.name === 'csrf_token' ? null : el('p', { class: 'value' }, String(a.value ?? ''));
		box.append(el('div', { class: 'node', 'data-node': a.name }, shownValue, messageList(node.messages, 'node-messages')));
	}
	return box;
}

// formGroups splits the nodes into one form per method group (profile,
// password, …), each also holding the "default" group (CSRF token, traits,
// identifier), in Kratos's node order. Separate forms keep one method's
// required fields from blocking another's submit: the settings password
// field must not stop a profile save, nor the registration password field
// the "Back" button of the two-step sign-up.
function formGroups(nodes) {
	const groups = [...new Set(nodes.map((n) => n.group).filter((g) => g !== 'default'))];
	if (groups.length === 0) groups.push('default');
	return groups.map((g) => [g, nodes.filter((n) => n.group === g || n.group === 'default')]);
}

// renderNode renders one node with its label and, right under it, its
// messages (where a web hook's instance_ptr message lands).
function renderNode(node) {
	const a = node.attributes;
	const name = a.name || a.id || '';
	const wrap = el('div', { class: `node node-${node.type}`, 'data-node': name, 'data-group': node.group });
	const control = renderControl(node);
	if (!control) return null;
	if (node.type === 'input' && a.type === 'hidden') {
		// Its messages are shown by hiddenFieldMessages, once for all forms.
		wrap.hidden = true;
		wrap.append(control);
		return wrap;
	}
	wrap.append(control, messageList(node.messages, 'node-messages'));
	return wrap;
}

function renderControl(node) {
	const a = node.attributes;
	const label = node.meta?.label?.text;
	switch (node.type) {
		case 'input':
			return renderInput(a, label);
		case 'text':
			return el('p', { class: 'text', id: a.id }, a.text?.text ?? '');
		case 'img':
			return el('img', { src: a.src, width: a.width, height: a.height, alt: label || '' });
		case 'a':
			return el('a', { href: a.href, id: a.id }, a.title?.text ?? a.href);
		case 'script':
			// Kratos's WebAuthn/passkey script (webauthn.js): it defines the
			// functions the passkey buttons trigger.
			loadScript(a);
			return null;
		default:
			return null;
	}
}

// loadScript adds a script node's script to the page once. A script element
// created and appended by a script is executed by the browser.
function loadScript(a) {
	if (!a.src || (a.id && document.getElementById(a.id))) return;
	document.head.append(el('script', {
		id: a.id, src: a.src, type: a.type || null, async: a.async || null,
		integrity: a.integrity || null, crossorigin: a.crossorigin || null,
		referrerpolicy: a.referrerpolicy || null, nonce: a.nonce || null,
	}));
}

function renderInput(a, label) {
	const common = { name: a.name, disabled: a.disabled };
	switch (a.type) {
		case 'hidden':
			return el('input', { ...common, type: 'hidden', value: a.value ?? '' });
		case 'button':
			if (a.onclickTrigger) {
				// A button whose work happens in the page (e.g. the passkey
				// ceremony of Kratos's webauthn.js, which then submits the
				// form), not a submit of its own.
				const button = el('button', { ...common, type: 'button' }, label || a.name);
				button.addEventListener('click', () => window[a.onclickTrigger]?.());
				return button;
			}
		// fall through: a plain named button
		case 'submit':
			// A named button: the browser sends name=value of the one clicked,
			// which is how Kratos learns the method (method=password, …).
			return el('button', { ...common, type: a.type, value: a.value ?? '' }, label || String(a.value ?? a.name));
		case 'checkbox':
			return el('label', { class: 'checkbox' },
				el('input', { ...common, type: 'checkbox', value: 'true', checked: a.value === true, required: a.required }),
				' ', label || a.name);
		default:
			return el('label', {},
				el('span', { class: 'label' }, label || a.name),
				el('input', {
					...common,
					type: a.type || 'text',
					// Kratos never sends a password value back; other values
					// (traits refilled after a failed submit) are shown.
					value: a.type === 'password' ? null : a.value,
					required: a.required,
					autocomplete: a.autocomplete,
					pattern: a.pattern,
					maxlength: a.maxlength,
				}));
	}
}
