# Caddy with ory_actions, built the way Caddy plugins are shipped:
#
#   docker build -f xcaddy.Dockerfile -t caddy-ory-actions .                 # from this checkout
#   docker build -f xcaddy.Dockerfile --build-arg MODULE_SOURCE= -t caddy-ory-actions .   # the published module
#
# Caddy's version is versions.env's (versions_test.go checks the default
# below); the build runs scripts/build-caddy.sh, as `make bin/caddy` does,
# which installs xcaddy at versions.env's version.
ARG CADDY_VERSION=2.11.9

FROM caddy:${CADDY_VERSION}-builder AS builder
# "." builds this checkout; empty builds the latest published module; a
# version (v1.2.3) builds that one.
ARG MODULE_SOURCE=.
RUN apk add --no-cache bash
WORKDIR /src
COPY . .
RUN scripts/build-caddy.sh /usr/bin/caddy "$MODULE_SOURCE" && /usr/bin/caddy list-modules | grep -x http.handlers.ory_actions

FROM caddy:${CADDY_VERSION}
COPY --from=builder /usr/bin/caddy /usr/bin/caddy
