# Container image of Tambah Perangkat OTP, built from the release archive.
#
#   make release          # dist/tambah-perangkat-otp-VERSION-ARCH-linux.tar.gz
#   make container-check  # builds this image with podman and smoke-tests it
#
# The build stage unpacks the `make release` archive instead of compiling:
# a Rust toolchain image cannot be fetched on the machines this project is
# built on (they reach no image registry), and the archive is the artefact
# that `make release-check` has already verified. The base image is Debian
# bookworm (the release the binary is built on, so glibc matches); where no
# registry is reachable, scripts/container-base.sh makes it from Debian's
# packages as localhost/debian:bookworm-slim. With a registry, pass
# --build-arg BASE=docker.io/library/debian:bookworm-slim.
#
# Run it read-only, as its non-root user, with the data on a volume:
#   podman run -d --read-only --tmpfs /tmp -v tambah-otp-data:/var/lib/tambah-otp \
#     -p 3000:3000 -e TPO_PUBLIC_BASE_URL=https://otp.example.go.id \
#     -e TPO_SMTP_URL=smtps://… tambah-otp
# Every TPO_* variable of the README's configuration table applies.
ARG BASE=localhost/debian:bookworm-slim

FROM ${BASE} AS unpack
# Exactly one archive: pass --build-arg ARCHIVE=dist/….tar.gz when dist/
# holds several.
ARG ARCHIVE=dist/tambah-perangkat-otp-*.tar.gz
COPY ${ARCHIVE} /tmp/release/
RUN set -eu; \
    set -- /tmp/release/*.tar.gz; \
    if [ "$#" -ne 1 ]; then echo "expected one release archive, found: $*" >&2; exit 1; fi; \
    mkdir -p /opt/tambah-otp; \
    tar -C /opt/tambah-otp --strip-components=1 -xzf "$1"; \
    chmod -R a+rX,go-w /opt/tambah-otp

FROM ${BASE}
# The server runs as this user; it owns only the data directory.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/tambah-otp \
      --no-create-home --shell /usr/sbin/nologin tambah-otp \
 && install -d -o tambah-otp -g tambah-otp -m 0700 /var/lib/tambah-otp
COPY --from=unpack /opt/tambah-otp /opt/tambah-otp
WORKDIR /opt/tambah-otp
# SQLite database, the generated key (unless TPO_SECRET_KEY is set) and
# the .eml outbox (when no SMTP server is configured) live on the volume;
# the root file system can be mounted read-only.
VOLUME ["/var/lib/tambah-otp"]
ENV TPO_BIND_ADDR=0.0.0.0:3000 \
    TPO_DATA_DIR=/var/lib/tambah-otp \
    TPO_SITE_ROOT=/opt/tambah-otp/site \
    TPO_LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 3000
USER 10001:10001
# bash's /dev/tcp: the image needs no curl. The server migrates the
# database at start, so healthy means migrated and serving.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/tambah-otp/bin/server"]
CMD ["run"]
