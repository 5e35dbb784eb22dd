# A kith node in a container. Build: docker build -t kith .
# Run (the home is a volume). The API and web UI answer on loopback only, so
# on Linux run with the host's network to open the web UI link on the host:
#   docker run -d --name kith --network host -v kith-home:/home/kith kith
#   docker exec kith kith ui          # the web UI link, for a browser on the host
#   docker exec -it kith kith init    # or create the account on the command line
# Without --network host, publish the peer ports (-p 7696:7696 -p 7696:7696/udp
# -p 7697:7697) and use the CLI through 'docker exec'.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/kith ./cmd/kith

FROM debian:bookworm-slim
RUN useradd --create-home --home-dir /home/kith --shell /usr/sbin/nologin kith
COPY --from=build /out/kith /usr/local/bin/kith
USER kith
ENV KITH_HOME=/home/kith
VOLUME /home/kith
EXPOSE 7696/tcp 7696/udp 7697/tcp
ENTRYPOINT ["/usr/local/bin/kith"]
CMD ["serve"]
