#!/usr/bin/env bash
# The `make demo` showcase: Ory Kratos with no web hooks, Caddy with
# ory_actions in front of it (examples/Caddyfile), and the example webhook
# receiver. It registers accounts (with a password, and with a passwordless
# e-mail code), logs in and edits settings through the gateway and shows what
# the hooks did, then keeps everything running until Ctrl-C.
#
# With DEMO_ONCE=1 it stops after the showcase and exits 0 only if all six
# checks passed (CI runs it that way). It needs bash and curl; jq, when
# installed, only makes the output prettier.
set -euo pipefail

cd "$(dirname "$0")/.." # the repository root: every path below is relative to it

DEMO_DIR=.cache/demo
GATEWAY=http://127.0.0.1:8080
KRATOS_ADMIN=http://127.0.0.1:4434
RECEIVER=http://127.0.0.1:4466
PASSWORD=demo-Passw0rd-$RANDOM$RANDOM # throw-away accounts in a throw-away database

# Obviously fake demo values, exported for Caddy and the receiver.
export DEMO_HOOK_KEY=${DEMO_HOOK_KEY:-demo-hook-key-not-a-secret}
export ORY_ACTIONS_SECRET=${ORY_ACTIONS_SECRET:-demo-actions-secret-not-a-secret-0123456789}

# Bold and red on a terminal; plain text in CI logs.
bold= red= reset=
if [[ -t 1 ]]; then
	bold=$'\033[1m' red=$'\033[31m' reset=$'\033[0m'
fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$reset"; }
fail() {
	printf '%sdemo: %s%s\n' "$red" "$*" "$reset" >&2
	exit 1
}

for bin in bin/kratos bin/caddy bin/receiver; do
	[[ -x $bin ]] || fail "$bin is missing: run 'make demo', which builds it"
done
command -v curl >/dev/null || fail "curl is needed"

# A port that accepts connections is taken; bash's /dev/tcp needs no tools.
for port in 8080 4433 4434 4466; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		fail "port $port on 127.0.0.1 is already in use (the demo needs 8080, 4433, 4434 and 4466): stop what listens there"
	fi
done

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: runs CMD in the background, output to $DEMO_DIR/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$DEMO_DIR/$name.log" 2>&1 &
	pids+=($!)
}

# wait_ready NAME URL: polls URL until it answers 2xx, for at most 60 s.
wait_ready() {
	local name=$1 url=$2 pid=${pids[-1]}
	for _ in $(seq 300); do
		curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 30 "$DEMO_DIR/$name.log" >&2 || true
	fail "$name did not become ready at $url (log: $DEMO_DIR/$name.log)"
}

say "Starting Kratos (public 127.0.0.1:4433, admin 127.0.0.1:4434; config examples/kratos/kratos.yml)"
# A clean environment: Kratos reads DSN, SERVE_* and more from it.
kratos_env=(env -i PATH="$PATH" HOME="${HOME:-/tmp}" TMPDIR="${TMPDIR:-/tmp}" SQA_OPT_OUT=true)
"${kratos_env[@]}" bin/kratos migrate sql -e --yes -c examples/kratos/kratos.yml >"$DEMO_DIR/kratos-migrate.log" 2>&1 ||
	{ tail -n 20 "$DEMO_DIR/kratos-migrate.log" >&2; fail "Kratos migrations failed"; }
start kratos "${kratos_env[@]}" bin/kratos serve --dev --sqa-opt-out --watch-courier=false -c examples/kratos/kratos.yml
wait_ready kratos "$KRATOS_ADMIN/admin/health/ready"

say "Starting the webhook receiver on $RECEIVER (examples/receiver)"
start receiver bin/receiver -addr 127.0.0.1:4466
wait_ready receiver "$RECEIVER/received"

say "Starting Caddy with ory_actions on $GATEWAY (examples/Caddyfile)"
# Caddy keeps its state under XDG_DATA_HOME; keep it out of the user's home.
start caddy env XDG_DATA_HOME="$PWD/$DEMO_DIR/caddy-data" XDG_CONFIG_HOME="$PWD/$DEMO_DIR/caddy-config" \
	bin/caddy run --config examples/Caddyfile --adapter caddyfile
wait_ready caddy "$GATEWAY/health/ready"

# pretty FILTER FILE: the part of a JSON answer worth reading (jq), or all of it.
pretty() {
	if command -v jq >/dev/null; then
		jq "$1" "$2" 2>/dev/null || cat "$2"
	else
		cat "$2"
		echo
	fi
}

# register EMAIL: API registration through the gateway, following ui.action
# as any client does. The answer goes to $DEMO_DIR/answer.json; the HTTP
# status is printed.
register() {
	local email=$1 flow action
	flow=$(curl -fsS --max-time 10 -H 'Accept: application/json' "$GATEWAY/self-service/registration/api")
	action=$(grep -o '"action":"[^"]*"' <<<"$flow" | head -n 1 | cut -d'"' -f4)
	[[ $action == "$GATEWAY/self-service/registration?flow="* ]] || fail "unexpected ui.action in the flow: $action"
	echo "POST $action  traits.email=$email" >&2
	curl -sS --max-time 30 -o "$DEMO_DIR/answer.json" -w '%{http_code}' \
		-H 'Content-Type: application/json' -H 'Accept: application/json' -X POST "$action" \
		--data "{\"method\":\"password\",\"password\":\"$PASSWORD\",\"traits\":{\"email\":\"$email\"},\"transient_payload\":{\"invite_code\":\"DEMO-INVITE\"}}"
}

# events_received PATTERN: polls the receiver's /events webhooks (for up to
# 10 s; async hooks arrive after the client's answer) until one matches the
# grep -E pattern; they are left in $DEMO_DIR/received.json.
events_received() {
	for _ in $(seq 50); do
		curl -fsS --max-time 5 "$RECEIVER/received?path=/events" -o "$DEMO_DIR/received.json"
		grep -Eq "$1" "$DEMO_DIR/received.json" && return 0
		sleep 0.2
	done
	return 1
}

run_id=$(date +%s)$RANDOM
passed=0

say "1. A test- address: the sign-up check (response parse) refuses it"
status=$(register "test-$run_id@example.com")
echo "HTTP $status; the message on the traits.email field:"
pretty '.ui.nodes[] | select(.attributes.name == "traits.email") | .messages' "$DEMO_DIR/answer.json"
# The message must sit on the traits.email node (attributes are flat, so no
# nested braces between the node's name and its messages).
if [[ $status == 400 ]] &&
	grep -Eq '"name":"traits\.email"[^{}]*\},"messages":\[[^]]*"text":"test- addresses are not allowed here"' "$DEMO_DIR/answer.json"; then
	echo "PASS: 400, and the receiver's message is on traits.email (no identity was created)"
	passed=$((passed + 1))
else
	echo "FAIL: want HTTP 400 with the message on traits.email"
fi

say "2. A vip- address: the sign-up check answers an identity patch"
status=$(register "vip-$run_id@example.com")
echo "HTTP $status; the new identity:"
pretty '.identity | {id, traits, metadata_public}' "$DEMO_DIR/answer.json"
if [[ $status == 200 ]] && grep -Eq '"metadata_public": *\{ *"tier": *"vip" *\}' "$DEMO_DIR/answer.json"; then
	echo 'PASS: 200, identity.metadata_public.tier is "vip"'
	passed=$((passed + 1))
else
	echo 'FAIL: want HTTP 200 with identity.metadata_public.tier "vip"'
fi

say "3. A plain address: registered, and the async analytics hook (response ignore) arrives afterwards"
email="demo-$run_id@example.com"
status=$(register "$email")
echo "HTTP $status (the client did not wait for the /events hook)"
delivered=
events_received "\"$email\"" && delivered=yes
echo "GET $RECEIVER/received?path=/events:"
pretty '.[] | {path, status, api_key, headers, body}' "$DEMO_DIR/received.json"
if [[ $status == 200 && -n $delivered ]]; then
	echo "PASS: 200, and the receiver got the /events webhook for $email"
	passed=$((passed + 1))
else
	echo "FAIL: want HTTP 200 and a /events webhook for $email"
fi

say "4. Log in as $email: the login hook (response ignore) reports who logged in"
flow=$(curl -fsS --max-time 10 -H 'Accept: application/json' "$GATEWAY/self-service/login/api")
action=$(grep -o '"action":"[^"]*"' <<<"$flow" | head -n 1 | cut -d'"' -f4)
echo "POST $action  identifier=$email" >&2
status=$(curl -sS --max-time 30 -o "$DEMO_DIR/login.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' -H 'Accept: application/json' -X POST "$action" \
	--data "{\"method\":\"password\",\"identifier\":\"$email\",\"password\":\"$PASSWORD\"}")
token=$(grep -o '"session_token":"[^"]*"' "$DEMO_DIR/login.json" | cut -d'"' -f4)
identity_id=$(grep -o '"identity":{"id":"[^"]*"' "$DEMO_DIR/login.json" | head -n 1 | cut -d'"' -f6)
logged=
[[ -n $identity_id ]] && events_received "\"user_id\": *\"$identity_id\"" && logged=yes
echo "HTTP $status; /events webhooks now:"
pretty '.[] | {path, body}' "$DEMO_DIR/received.json"
if [[ $status == 200 && -n $token && -n $logged ]]; then
	echo "PASS: 200 with a session token, and the receiver got user_id $identity_id"
	passed=$((passed + 1))
else
	echo "FAIL: want HTTP 200 and a /events webhook with the user id"
fi

say "5. Settings: change the first name to \"ada\"; the profile check (response parse) patches it to \"Ada\""
flow=$(curl -fsS --max-time 10 -H 'Accept: application/json' -H "X-Session-Token: $token" "$GATEWAY/self-service/settings/api")
action=$(grep -o '"action":"[^"]*"' <<<"$flow" | head -n 1 | cut -d'"' -f4)
echo "POST $action  method=profile traits.name.first=ada" >&2
status=$(curl -sS --max-time 30 -o "$DEMO_DIR/settings.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' -H 'Accept: application/json' -H "X-Session-Token: $token" -X POST "$action" \
	--data "{\"method\":\"profile\",\"traits\":{\"email\":\"$email\",\"name\":{\"first\":\"ada\"}}}")
echo "HTTP $status; the stored traits:"
pretty '.identity.traits' "$DEMO_DIR/settings.json"
if [[ $status == 200 ]] && grep -Eq '"first": *"Ada"' "$DEMO_DIR/settings.json"; then
	echo 'PASS: 200, and identity.traits.name.first is "Ada"'
	passed=$((passed + 1))
else
	echo 'FAIL: want HTTP 200 with identity.traits.name.first "Ada"'
fi

say "6. Passwordless sign-up with an e-mail code: the analytics hook (no method: every method) fires on the code submit"
email="code-$run_id@example.com"
flow=$(curl -fsS --max-time 10 -H 'Accept: application/json' "$GATEWAY/self-service/registration/api")
action=$(grep -o '"action":"[^"]*"' <<<"$flow" | head -n 1 | cut -d'"' -f4)
echo "POST $action  method=code traits.email=$email (Kratos sends a code)" >&2
status=$(curl -sS --max-time 30 -o "$DEMO_DIR/code-sent.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' -H 'Accept: application/json' -X POST "$action" \
	--data "{\"method\":\"code\",\"traits\":{\"email\":\"$email\"}}")
echo "HTTP $status (Kratos answers the flow, now asking for the code, with 400; no hook has run yet)"
# Kratos queued the code mail (nothing sends it in the demo): read it from
# the courier through the admin API, as the tests do.
code=
for _ in $(seq 25); do
	# The mail body (a JSON string) has the code on a line of its own: "…\n\n951126\n".
	code=$(curl -fsS --max-time 5 "$KRATOS_ADMIN/admin/courier/messages?recipient=$email" |
		grep -o '"body":"[^"]*"' | grep -oE '\\n[0-9]{6}(\\n|")' | grep -oE '[0-9]{6}' | head -n 1 || true)
	[[ -n $code ]] && break
	sleep 0.2
done
echo "the code from Kratos's courier: ${code:-none}"
events_before=$(curl -fsS --max-time 5 "$RECEIVER/received?path=/events" | grep -o "\"$email\"" | wc -l || true)
echo "POST $action  method=code code=$code" >&2
status=$(curl -sS --max-time 30 -o "$DEMO_DIR/code.json" -w '%{http_code}' \
	-H 'Content-Type: application/json' -H 'Accept: application/json' -X POST "$action" \
	--data "{\"method\":\"code\",\"code\":\"$code\",\"traits\":{\"email\":\"$email\"}}")
delivered=
events_received "\"$email\"" && delivered=yes
echo "HTTP $status; the new identity and the /events webhook for it:"
pretty '.identity | {id, traits}' "$DEMO_DIR/code.json"
pretty "[.[] | select(.body | tostring | contains(\"$email\")) | {path, body}]" "$DEMO_DIR/received.json"
if [[ $status == 200 && -n $code && $events_before == 0 && -n $delivered ]] && grep -q '"session_token"' "$DEMO_DIR/code.json"; then
	echo "PASS: 200 with a session, and the receiver got the /events webhook for $email once the code was entered"
	passed=$((passed + 1))
else
	echo "FAIL: want HTTP 200 with a session token and a /events webhook for $email after (not before) the code"
fi

say "Result: $passed of 6 checks passed"
if [[ ${DEMO_ONCE:-} == 1 ]]; then
	if ((passed != 6)); then
		for name in caddy receiver kratos; do
			echo "--- last lines of $DEMO_DIR/$name.log" >&2
			tail -n 20 "$DEMO_DIR/$name.log" >&2 || true
		done
		exit 1
	fi
	exit 0
fi

cat <<EOF

What to try next (everything stops with Ctrl-C):
  - In a browser: $GATEWAY/ui/registration (a test-… address is refused, with the
    message under the e-mail field), then log in and edit your settings.
  - Talk to Kratos through the gateway: $GATEWAY/self-service/registration/api
    (curl -s $GATEWAY/self-service/registration/api, then POST to its ui.action).
  - Register ...@internal.example: the /events template cancels that hook (error "cancel").
  - Log in (POST to the ui.action of $GATEWAY/self-service/login/api with
    method=password, identifier, password=$PASSWORD): the login hook posts the user id to /events.
  - Webhooks received so far: curl -s $RECEIVER/received
  - Change the hooks in examples/Caddyfile and the templates in examples/hooks/, then re-run make demo.
  - Kratos's admin API: curl -s $KRATOS_ADMIN/admin/identities
  - Logs: $DEMO_DIR/{caddy,kratos,receiver}.log

Webhooks as the receiver logs them:
EOF
tail -n 0 -f "$DEMO_DIR/receiver.log" &
pids+=($!)
# Run until Ctrl-C, or until one of the services dies.
while true; do
	for pid in "${pids[@]}"; do
		kill -0 "$pid" 2>/dev/null || fail "a demo process exited unexpectedly; see the logs in $DEMO_DIR/"
	done
	sleep 1
done
