# The processes of the load scenarios, all on 127.0.0.1, and their configs
# (written into $RUN). Sourced by bench/run.sh.
#
#   receiver        :18090  web hook receiver, answers 200 {} at once
#   Kratos native-parse  :18433/18434  registration after password: web_hook (parse) + session
#   Kratos native-ignore :18443/18444  the same hook with response.ignore
#   Kratos hookless      :18453/18454  session hook only, behind the gateway and alone
#   Caddy (one process, admin :18019 for pprof and expvar)
#     :18081 static upstream   :18082 reverse_proxy   :18083 ory_actions + reverse_proxy (hooks on other flows)
#     :18084 gateway, parse hook → hookless Kratos   :18085 gateway, ignore hook → hookless Kratos
#     :18086 gateway, ignore hook stored in the embedded JetStream (async { durable }) → hookless Kratos

BENCH_PORTS=(18090 18433 18434 18443 18444 18453 18454 18019 18081 18082 18083 18084 18085 18086)
TEMPLATE=$PWD/examples/hooks/invite_code.jsonnet
RECEIVER=http://127.0.0.1:18090

check_ports() {
	local p
	for p in "${BENCH_PORTS[@]}"; do
		port_free "$p" || fail "port $p on 127.0.0.1 is in use; the bench needs ${BENCH_PORTS[*]}"
	done
}

# kratos_base_config: the capture setup of the recorded exchanges (testdata/kratos/fixtures) with
# bcrypt cost 4, on PostgreSQL; warnings only in the log, for every Kratos.
kratos_base_config() {
	cat >"$RUN/kratos-base.yml" <<EOF
version: v1.3.1
dev: true
identity:
  default_schema_id: default
  schemas:
    - id: default
      url: file://$PWD/examples/kratos/identity.schema.json
secrets:
  default: [bench-only-not-a-secret-default-0]
  cookie: [bench-only-not-a-secret-cookie-00]
  cipher: [bench-only-not-a-secret-cipher-0]
hashers:
  algorithm: bcrypt
  bcrypt:
    cost: 4
log:
  level: warning
  format: text
selfservice:
  default_browser_return_url: http://127.0.0.1:18499/welcome
  allowed_return_urls: [http://127.0.0.1:18499/]
  methods:
    password:
      enabled: true
      config:
        haveibeenpwned_enabled: false
    profile:
      enabled: true
    code:
      enabled: true
  flows:
    error: {ui_url: http://127.0.0.1:18499/error}
    login: {ui_url: http://127.0.0.1:18499/login, lifespan: 1h}
    registration: {ui_url: http://127.0.0.1:18499/registration, lifespan: 1h}
    settings: {ui_url: http://127.0.0.1:18499/settings}
    recovery: {enabled: true, use: code, ui_url: http://127.0.0.1:18499/recovery}
    verification: {enabled: true, use: code, ui_url: http://127.0.0.1:18499/verification}
EOF
}

# kratos_instance NAME PUBLIC ADMIN DB HOOK: the overlay of one Kratos.
# HOOK is "", "parse" or "ignore"; the web hook, when any, precedes the
# session hook, and calls $RECEIVER/native-HOOK with the seed's template.
kratos_instance() {
	local name=$1 public=$2 admin=$3 db=$4 hook=$5 hooks="            - hook: session"
	if [[ -n $hook ]]; then
		hooks="            - hook: web_hook
              config:
                url: $RECEIVER/native-$hook
                method: POST
                body: file://$TEMPLATE
                response:
                  $hook: true
$hooks"
	fi
	cat >"$RUN/kratos-$name.yml" <<EOF
dsn: $(pg_dsn "$db")
serve:
  public: {base_url: "http://127.0.0.1:$public/", host: 127.0.0.1, port: $public}
  admin: {base_url: "http://127.0.0.1:$admin/", host: 127.0.0.1, port: $admin}
selfservice:
  flows:
    registration:
      after:
        password:
          hooks:
$hooks
EOF
	start "kratos-$name" env -i PATH="$PATH" HOME="${HOME:-/tmp}" TMPDIR="${TMPDIR:-/tmp}" SQA_OPT_OUT=true \
		bin/kratos serve --dev --sqa-opt-out --watch-courier=false -c "$RUN/kratos-base.yml" -c "$RUN/kratos-$name.yml"
}

# gateway_block HOOK [durable]: an ory_actions block in front of the
# hookless Kratos with one registration after password hook (parse or
# ignore); "durable" stores the ignore hook's deliveries in the embedded
# JetStream (async { durable }) and calls /gateway-durable.
gateway_block() {
	local path=gateway-$1 async=""
	if [[ ${2:-} == durable ]]; then
		path=gateway-durable
		async="async {
			durable {
				store_dir $RUN/jetstream
			}
		}"
	fi
	cat <<EOF
	ory_actions {
		kratos {
			public_url http://127.0.0.1:18453
			admin_url http://127.0.0.1:18454
		}
		secret bench-only-not-a-secret-0123456789abcdef
		$async
		hook registration after password {
			url $RECEIVER/$path
			method POST
			body file://$TEMPLATE
			response $1
		}
	}
	reverse_proxy 127.0.0.1:18453
EOF
}

caddy_config() {
	cat >"$RUN/Caddyfile" <<EOF
{
	admin 127.0.0.1:18019
	auto_https off
	persist_config off
}

# A fast static upstream: a small JSON answer, as Kratos's answers are.
http://127.0.0.1:18081 {
	header Content-Type application/json
	respond \`{"status":"ok","id":"0b6c3ab4-3d63-4cc6-9e42-37d1c0f5a0b1","note":"static upstream of the pass-through bench"}\` 200
}

# (i) plain reverse_proxy
http://127.0.0.1:18082 {
	reverse_proxy 127.0.0.1:18081
}

# (ii) the same with ory_actions, hooks on flows the requests do not touch
http://127.0.0.1:18083 {
	ory_actions {
		kratos {
			public_url http://127.0.0.1:18081
			admin_url http://127.0.0.1:18081
		}
		secret bench-only-not-a-secret-0123456789abcdef
		hook registration after password {
			url $RECEIVER/unused
			method POST
			body file://$TEMPLATE
			response parse
		}
		hook login after {
			url $RECEIVER/unused
			method POST
			body file://$PWD/examples/hooks/user_id.jsonnet
			response ignore
		}
	}
	reverse_proxy 127.0.0.1:18081
}

# (b) gateway + hookless Kratos
http://127.0.0.1:18084 {
$(gateway_block parse)
}
http://127.0.0.1:18085 {
$(gateway_block ignore)
}
# (d) as 18085, the delivery stored in JetStream before the answer
http://127.0.0.1:18086 {
$(gateway_block ignore durable)
}
EOF
	bin/caddy validate --config "$RUN/Caddyfile" --adapter caddyfile >"$RUN/caddy-validate.log" 2>&1 ||
		{ tail -n 20 "$RUN/caddy-validate.log" >&2; fail "the bench Caddyfile does not validate"; }
}

start_services() {
	check_ports
	start receiver "$LOAD" receiver -addr 127.0.0.1:18090 -max-lifetime 30m
	wait_ready receiver "$RECEIVER/__counts"
	kratos_base_config
	kratos_instance native-parse 18433 18434 kratos_native_parse parse
	kratos_instance native-ignore 18443 18444 kratos_native_ignore ignore
	kratos_instance hookless 18453 18454 kratos_hookless ""
	caddy_config
	start caddy bin/caddy run --config "$RUN/Caddyfile" --adapter caddyfile
	local k
	for k in native-parse:18434 native-ignore:18444 hookless:18454; do
		wait_ready "kratos-${k%%:*}" "http://127.0.0.1:${k##*:}/health/ready"
	done
	wait_ready caddy http://127.0.0.1:18082/
	wait_ready caddy http://127.0.0.1:18084/health/ready
}
