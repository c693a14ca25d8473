# Submit in an image that holds its own binary and nothing else: the binary
# is static (pure Go: SQLite, PostgreSQL's driver and PDFium in WebAssembly),
# so the final stage starts from scratch. The build stage only compiles.
#
#   docker build --build-arg VERSION=1.4.0 -t submit .
#   docker run -p 8080:8080 -v submit-data:/data submit --public-url https://submit.example.com
#
# Everything Submit writes is under /data (database, files, temporary files,
# the renderer's compilation cache); give it a volume. With PostgreSQL and
# S3, add --database-url and --blob-url (or SUBMIT_DATABASE_URL,
# SUBMIT_BLOB_URL) and /data holds only temporary files.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION names the release in `submit version`, logs and User-Agents; the
# build context has no .git, so without it the version is "unknown".
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-X github.com/atomyx/submit/internal/cli.Version=${VERSION}" \
      -o /out/submit ./cmd/submit \
 && mkdir -p /out/data

FROM scratch
# Callbacks, artwork and logo fetches go to https hosts: the CA bundle.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/submit /submit
USER 65532:65532
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/submit", "serve", "--data-dir", "/data", "--addr", "0.0.0.0:8080"]
