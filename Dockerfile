# attrition: the HTTP JSON API in a small Debian image.
#
#   docker build -t attrition .            (or: podman build -t attrition .)
#   docker run -d --name attrition -p 8080:8080 -v attrition-data:/data \
#       -e ATTRITION_TOKEN=change-me attrition
#
# Two stages: "build" has the compiler and the -dev packages; the runtime stage has only the
# shared libraries the binary links against, a non-root user and the /data volume.

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS build

# check and libcurl4-openssl-dev are not used by the image: tests/meson.build declares
# dependency('check') and dependency('libcurl') unconditionally, so "meson setup" fails
# without them even though only the "attrition" target is compiled here.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gcc libc6-dev meson ninja-build pkg-config python3 \
        libmicrohttpd-dev libjansson-dev libsqlite3-dev zlib1g-dev libjs-dygraphs \
        check libcurl4-openssl-dev libssl-dev librsvg2-dev libcairo2-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

WORKDIR /src
# What is sent is filtered by .dockerignore (no build folders, databases, .git).
COPY . .

# Only the executable: the test programs are neither built nor run in the image (CI runs
# them). -Dwerror=true keeps the release build as clean as the debug one.
RUN meson setup /build --buildtype=release -Dwerror=true \
 && meson compile -C /build attrition \
 && install -D -m 0755 -s /build/attrition /out/attrition

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

LABEL org.opencontainers.image.title="attrition" \
      org.opencontainers.image.description="HTTP JSON API for the Ukrainian MoD's daily figures of Russian losses" \
      org.opencontainers.image.licenses="MIT"

# Runtime libraries only (zlib1g is already in the base; listed to say it is needed).
# libpq5: the PostgreSQL store (a postgresql:// database).
# libcurl4 and ca-certificates: `attrition sync` and `serve --sync-every` fetch the dataset
# over HTTPS with certificates verified. librsvg2-2 and libcairo2 render the PNG cards
# (/v1/cards/{category}.png), with fonts-dejavu-core so that their text has a font (about
# 80 MB installed with glib, pango, fontconfig and libxml2's ICU, estimated from apt's
# sizes). The explicit clean-up matters:
# a base without Docker's apt "docker-clean" hook (e.g. one made with debootstrap) would keep
# ~80 MB of apt's pkgcache.bin/srcpkgcache.bin in this layer.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmicrohttpd12 libjansson4 libsqlite3-0 zlib1g libcurl4 libssl3 ca-certificates \
        librsvg2-2 libcairo2 fonts-dejavu-core libpq5 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log

# A fixed uid/gid so that a host folder mounted at /data can be chown'ed to match:
#   chown 10001:10001 ./data
RUN groupadd --gid 10001 attrition \
 && useradd --uid 10001 --gid attrition --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin attrition \
 && install -d -m 0750 -o attrition -g attrition /data

COPY --from=build /out/attrition /usr/local/bin/attrition
# Fail the build here, not at run time, if a shared library is missing from the list above.
RUN ! ldd /usr/local/bin/attrition | grep 'not found'

# Listen on every interface inside the container (the default, 127.0.0.1, would be
# unreachable through a published port). A named volume at /data starts out owned by
# "attrition" because the folder in the image is.
ENV ATTRITION_BIND=0.0.0.0 \
    ATTRITION_DB=/data/attrition.db \
    ATTRITION_PORT=8080
VOLUME ["/data"]
WORKDIR /data
USER attrition:attrition
EXPOSE 8080

# An HTTP check of /readyz (200 when the database is open and the server is not draining)
# without installing curl (several MB with libcurl and its libraries): bash, which the slim base already
# has, opens the TCP connection itself, sends a plain HTTP/1.0 request and wants a 200 status
# line. It follows ATTRITION_PORT; if the port is set with --port instead, set
# ATTRITION_PORT too (or override the check with --health-cmd).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ATTRITION_PORT:-8080} && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 line <&3 && [[ $line == HTTP/1.?' 200 '* ]]"]

# serve drains in-flight requests on SIGTERM for up to ATTRITION_DRAIN_SECONDS (default 10)
# and exits 0. "docker stop" sends SIGKILL after 10 s by default, so give it more than the
# drain time: docker run --stop-timeout 15 ... or docker stop -t 15.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/attrition"]
CMD ["serve"]
