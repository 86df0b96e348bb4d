/*
 * enet_c_peer: a C ENet (libenet 1.3) peer that behaves like Godot 4's ENetMultiplayerPeer
 * on the wire, driven line by line from stdin, for netscene's interop tests and benchmark.
 *
 *   enet_c_peer server <port>                      listen on 127.0.0.1 (port 0: any)
 *   enet_c_peer client <host> <port> <id> [<user channels>]
 *   enet_c_peer bench                              C client -> C server throughput rounds
 *
 * Godot 4 conventions reproduced: no packet header; user channel 0 uses ENet channel 0 for
 * reliable and 1 for unreliable packets, user channel c > 0 uses ENet channel c + 1;
 * UNRELIABLE = UNSEQUENCED | UNRELIABLE_FRAGMENT, UNRELIABLE_ORDERED = UNRELIABLE_FRAGMENT,
 * RELIABLE = RELIABLE; the client's id is the CONNECT data; the server resets connections
 * whose id is below 2 or already used; a client asks for <user channels> + 2 channels (or 255).
 *
 * With NETSCENE_ENET_C_COMPRESSION=range (or zlib, or zstd) in the environment the host
 * compresses with ENet's range coder (or Godot's COMPRESS_ZLIB: each datagram body one zlib
 * stream, window 15, zlib's default level, as Godot's Compression::MODE_DEFLATE; or Godot's
 * COMPRESS_ZSTD: each datagram body one frame from ZSTD_compressCCtx at level 3, read with
 * ZSTD_decompressDCtx, as Godot's Compression::MODE_ZSTD); with
 * NETSCENE_ENET_C_SHORT_TIMEOUTS=1 a client gives up on an unanswering server within about
 * 2 s instead of ENet's 5 to 30 s.
 *
 * Commands (stdin):
 *   send <target> <user channel> <u|o|r> <hex>     Godot's put_packet (target: server side
 *                                                  0 = all, -n = all but n; client ignores it)
 *   raw <target> <enet channel> <flags> <hex>      explicit ENet channel and flags
 *   disconnect <id>                                enet_peer_disconnect(peer, 0)
 *   bench <r|u> <count>                            (bench mode) one measured round
 *   quit                                           disconnect_now everyone and exit
 * Events (stdout, one per line):
 *   listening <port> | connected <id> | refused <data> | disconnected <id>
 *   recv <from> <enet channel> <flags> <user channel> <mode 0|1|2> <hex>
 *   bench <r|u> <count> <nanoseconds> <received> <thread CPU nanoseconds>
 *   error <text>
 */
#define _POSIX_C_SOURCE 200809L
#include <enet/enet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define MAX_IDS 64
#define PAYLOAD_MAX (1 << 20) /* the sscanf widths below are 2 * PAYLOAD_MAX */

static ENetHost *host;
static int is_server;
static ENetPeer *server_peer; /* client mode */
static struct {
    int id;
    ENetPeer *peer;
} ids[MAX_IDS];

static unsigned char payload[PAYLOAD_MAX];

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes hex into payload; "-" is the empty packet. Returns the length or -1. */
static long decode_hex(const char *hex) {
    if (strcmp(hex, "-") == 0) return 0;
    size_t len = strlen(hex);
    if (len % 2 != 0 || len / 2 > PAYLOAD_MAX) return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        payload[i] = (unsigned char)(hi * 16 + lo);
    }
    return (long)(len / 2);
}

static void print_hex(const unsigned char *data, size_t len) {
    if (len == 0) {
        fputc('-', stdout);
        return;
    }
    for (size_t i = 0; i < len; i++) printf("%02x", data[i]);
}

static ENetPeer *peer_by_id(int id) {
    for (int i = 0; i < MAX_IDS; i++)
        if (ids[i].peer && ids[i].id == id) return ids[i].peer;
    return NULL;
}

static int id_of(ENetPeer *peer) {
    for (int i = 0; i < MAX_IDS; i++)
        if (ids[i].peer == peer) return ids[i].id;
    return 0;
}

static void forget(ENetPeer *peer) {
    for (int i = 0; i < MAX_IDS; i++)
        if (ids[i].peer == peer) ids[i].peer = NULL;
}

static int remember(int id, ENetPeer *peer) {
    for (int i = 0; i < MAX_IDS; i++)
        if (!ids[i].peer) {
            ids[i].id = id;
            ids[i].peer = peer;
            return 1;
        }
    return 0;
}

/* Godot's get_packet_mode(): RELIABLE -> 2, UNSEQUENCED -> 0, otherwise 1. */
static int godot_mode(enet_uint32 flags) {
    if (flags & ENET_PACKET_FLAG_RELIABLE) return 2;
    if (flags & ENET_PACKET_FLAG_UNSEQUENCED) return 0;
    return 1;
}

static void send_packet(int target, int channel, enet_uint32 flags, long len) {
    ENetPacket *packet = enet_packet_create(payload, (size_t)len, flags);
    if (!is_server) {
        if (enet_peer_send(server_peer, (enet_uint8)channel, packet) < 0) printf("error send failed\n");
    } else if (target == 0) {
        enet_host_broadcast(host, (enet_uint8)channel, packet);
    } else if (target < 0) {
        for (int i = 0; i < MAX_IDS; i++)
            if (ids[i].peer && ids[i].id != -target)
                enet_peer_send(ids[i].peer, (enet_uint8)channel, packet);
        if (packet->referenceCount == 0) enet_packet_destroy(packet);
    } else {
        ENetPeer *peer = peer_by_id(target);
        if (!peer || enet_peer_send(peer, (enet_uint8)channel, packet) < 0) {
            printf("error send to %d failed\n", target);
            if (packet->referenceCount == 0) enet_packet_destroy(packet);
        }
    }
    enet_host_flush(host); /* Godot flushes after every put_packet. */
}

static void handle_event(ENetEvent *event) {
    switch (event->type) {
    case ENET_EVENT_TYPE_CONNECT:
        if (!is_server) {
            printf("connected 1\n");
        } else if (event->data < 2 || event->data > 0x7FFFFFFFu || peer_by_id((int)event->data) ||
                   !remember((int)event->data, event->peer)) {
            printf("refused %u\n", event->data);
            enet_peer_reset(event->peer);
        } else {
            printf("connected %u\n", event->data);
        }
        break;
    case ENET_EVENT_TYPE_DISCONNECT:
        if (!is_server) {
            printf("disconnected 1\n");
        } else {
            int id = id_of(event->peer);
            if (id) printf("disconnected %d\n", id);
            forget(event->peer);
        }
        break;
    case ENET_EVENT_TYPE_RECEIVE: {
        int from = is_server ? id_of(event->peer) : 1;
        int ch = event->channelID;
        printf("recv %d %d %u %d %d ", from, ch, event->packet->flags, ch >= 2 ? ch - 1 : 0,
               godot_mode(event->packet->flags));
        print_hex(event->packet->data, event->packet->dataLength);
        printf("\n");
        enet_packet_destroy(event->packet);
        break;
    }
    default:
        break;
    }
}

static void service_all(void) {
    ENetEvent event;
    int result;
    while ((result = enet_host_service(host, &event, 0)) > 0) handle_event(&event);
    if (result < 0) printf("error service failed\n");
    fflush(stdout);
}

/* CPU time of this thread (the kernel's sum_exec_runtime, as /proc/thread-self/schedstat). */
static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The datagram body ENet hands a compressor in pieces, gathered as Godot's callback does. */
static unsigned char body[4096];

/* Copies at most `limit` bytes of the buffers into `body`; the length, or -1 if too long. */
static long gather_body(const ENetBuffer *buffers, size_t count, size_t limit) {
    size_t used = 0;
    for (size_t i = 0; i < count && used < limit; i++) {
        size_t n = buffers[i].dataLength;
        if (n > limit - used) n = limit - used;
        if (used + n > sizeof body) return -1;
        memcpy(body + used, buffers[i].data, n);
        used += n;
    }
    return (long)used;
}

/* Godot's COMPRESS_ZLIB as an ENet compressor, over the system's zlib. */
static size_t zlib_compress(void *context, const ENetBuffer *buffers, size_t count, size_t limit,
                            enet_uint8 *out, size_t out_limit) {
    (void)context;
    long used = gather_body(buffers, count, limit);
    if (used < 0) return 0;
    uLongf size = (uLongf)out_limit;
    if (compress2(out, &size, body, (uLong)used, Z_DEFAULT_COMPRESSION) != Z_OK) return 0;
    return (size_t)size;
}

static size_t zlib_decompress(void *context, const enet_uint8 *in, size_t in_limit, enet_uint8 *out,
                              size_t out_limit) {
    (void)context;
    uLongf size = (uLongf)out_limit;
    if (uncompress(out, &size, in, (uLong)in_limit) != Z_OK) return 0;
    return (size_t)size;
}

/* Godot's COMPRESS_ZSTD as an ENet compressor, over the system's libzstd: the frame goes
 * into a buffer of ZSTD_compressBound bytes and is used only if it fits ENet's buffer. */
static ZSTD_CCtx *zstd_compression;
static ZSTD_DCtx *zstd_decompression;
static unsigned char zstd_frame[ZSTD_COMPRESSBOUND(sizeof body)];

static size_t zstd_compress(void *context, const ENetBuffer *buffers, size_t count, size_t limit,
                            enet_uint8 *out, size_t out_limit) {
    (void)context;
    long used = gather_body(buffers, count, limit);
    if (used < 0) return 0;
    size_t size = ZSTD_compressCCtx(zstd_compression, zstd_frame, sizeof zstd_frame, body,
                                    (size_t)used, 3);
    if (ZSTD_isError(size) || size > out_limit) return 0;
    memcpy(out, zstd_frame, size);
    return size;
}

static size_t zstd_decompress(void *context, const enet_uint8 *in, size_t in_limit, enet_uint8 *out,
                              size_t out_limit) {
    (void)context;
    size_t size = ZSTD_decompressDCtx(zstd_decompression, out, out_limit, in, in_limit);
    return ZSTD_isError(size) ? 0 : size;
}

static void setup_compression(void) {
    const char *mode = getenv("NETSCENE_ENET_C_COMPRESSION");
    if (!host || !mode) return;
    if (strcmp(mode, "range") == 0) {
        if (enet_host_compress_with_range_coder(host) < 0) printf("error range coder\n");
    } else if (strcmp(mode, "zlib") == 0) {
        /* ENet ignores a compressor whose context is NULL. */
        ENetCompressor compressor = {body, zlib_compress, zlib_decompress, NULL};
        enet_host_compress(host, &compressor);
    } else if (strcmp(mode, "zstd") == 0) {
        zstd_compression = ZSTD_createCCtx();
        zstd_decompression = ZSTD_createDCtx();
        if (!zstd_compression || !zstd_decompression) {
            printf("error zstd contexts\n");
            return;
        }
        ENetCompressor compressor = {body, zstd_compress, zstd_decompress, NULL};
        enet_host_compress(host, &compressor);
    }
}

/* ---- bench mode: one C client sending 64-byte packets to one C server, as Godot would. */

static ENetHost *bench_server, *bench_client;
static ENetPeer *bench_peer;
static long bench_received;

/* Services both hosts the way Godot's poll does: one enet_host_service (the only network
 * I/O), then the events it queued via enet_host_check_events. */
static void bench_drain(ENetHost *bench_host, int count) {
    ENetEvent event;
    int result = enet_host_service(bench_host, &event, 0);
    while (result > 0) {
        if (event.type == ENET_EVENT_TYPE_RECEIVE) {
            if (count) bench_received++;
            enet_packet_destroy(event.packet);
        }
        result = enet_host_check_events(bench_host, &event);
    }
}

static void bench_service(void) {
    bench_drain(bench_server, 1);
    bench_drain(bench_client, 0);
}

static int bench_setup(void) {
    ENetAddress address;
    enet_address_set_host_ip(&address, "127.0.0.1");
    address.port = 0;
    bench_server = enet_host_create(&address, 32, 0, 0, 0);
    bench_client = enet_host_create(NULL, 1, 0, 0, 0);
    if (!bench_server || !bench_client) return 0;
    ENetAddress bound;
    if (enet_socket_get_address(bench_server->socket, &bound) < 0) return 0;
    enet_address_set_host_ip(&address, "127.0.0.1");
    address.port = bound.port;
    bench_peer = enet_host_connect(bench_client, &address, 255, 2);
    if (!bench_peer) return 0;
    uint64_t deadline = now_ns() + 10000000000ull;
    while (bench_peer->state != ENET_PEER_STATE_CONNECTED && now_ns() < deadline) bench_service();
    /* Let the server side finish its half of the handshake too. */
    uint64_t settle = now_ns() + 50000000ull;
    while (now_ns() < settle) bench_service();
    return bench_peer->state == ENET_PEER_STATE_CONNECTED;
}

/* Sends `count` 64-byte packets in batches of 64, waiting after each batch until it has
 * arrived (or nothing arrived for 50 ms: lost unreliable packets). */
static void bench_round(char mode, long count) {
    static unsigned char data[64];
    enet_uint32 flags = mode == 'r' ? ENET_PACKET_FLAG_RELIABLE
                                    : ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT;
    enet_uint8 channel = mode == 'r' ? 0 : 1;
    bench_received = 0;
    long sent = 0;
    uint64_t cpu_start = cpu_ns();
    uint64_t start = now_ns();
    while (sent < count) {
        long batch = count - sent < 64 ? count - sent : 64;
        for (long i = 0; i < batch; i++) {
            data[0] = (unsigned char)sent;
            ENetPacket *packet = enet_packet_create(data, sizeof data, flags);
            enet_peer_send(bench_peer, channel, packet);
            enet_host_flush(bench_client);
            sent++;
        }
        long before = bench_received;
        uint64_t last_progress = now_ns();
        while (bench_received < sent) {
            bench_service();
            uint64_t t = now_ns();
            if (bench_received != before) {
                before = bench_received;
                last_progress = t;
            } else if (t - last_progress > 50000000ull) {
                break;
            }
        }
    }
    uint64_t elapsed = now_ns() - start;
    uint64_t cpu = cpu_ns() - cpu_start;
    printf("bench %c %ld %llu %ld %llu\n", mode, count, (unsigned long long)elapsed, bench_received,
           (unsigned long long)cpu);
    fflush(stdout);
}

/* ---- command handling */

static int handle_line(char *line) {
    char word[16];
    int target, channel, consumed = 0;
    if (sscanf(line, "%15s%n", word, &consumed) != 1) return 1;
    char *rest = line + consumed;
    if (strcmp(word, "quit") == 0) return 0;
    if (strcmp(word, "send") == 0) {
        char mode;
        static char hex[2 * PAYLOAD_MAX + 2];
        /* Width = 2 * PAYLOAD_MAX: longer hex cannot overflow `hex`. */
        if (sscanf(rest, "%d %d %c %2097152s", &target, &channel, &mode, hex) != 4) goto bad;
        enet_uint32 flags;
        int enet_channel;
        switch (mode) {
        case 'u': flags = ENET_PACKET_FLAG_UNSEQUENCED | ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT; enet_channel = 1; break;
        case 'o': flags = ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT; enet_channel = 1; break;
        case 'r': flags = ENET_PACKET_FLAG_RELIABLE; enet_channel = 0; break;
        default: goto bad;
        }
        if (channel > 0) enet_channel = channel + 1;
        long len = decode_hex(hex);
        if (len < 0) goto bad;
        send_packet(target, enet_channel, flags, len);
        return 1;
    }
    if (strcmp(word, "raw") == 0) {
        unsigned flags;
        static char hex[2 * PAYLOAD_MAX + 2];
        if (sscanf(rest, "%d %d %u %2097152s", &target, &channel, &flags, hex) != 4) goto bad;
        long len = decode_hex(hex);
        if (len < 0) goto bad;
        send_packet(target, channel, flags, len);
        return 1;
    }
    if (strcmp(word, "disconnect") == 0) {
        if (sscanf(rest, "%d", &target) != 1) goto bad;
        ENetPeer *peer = is_server ? peer_by_id(target) : server_peer;
        if (peer) enet_peer_disconnect(peer, 0);
        enet_host_flush(host);
        return 1;
    }
    if (strcmp(word, "bench") == 0) {
        char mode;
        long count;
        if (!bench_client || sscanf(rest, " %c %ld", &mode, &count) != 2) goto bad;
        bench_round(mode, count);
        return 1;
    }
bad:
    printf("error bad command: %s\n", line);
    fflush(stdout);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2 || enet_initialize() != 0) {
        fprintf(stderr, "usage: enet_c_peer server <port> | client <host> <port> <id> [channels] | bench\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (strcmp(argv[1], "server") == 0 && argc == 3) {
        ENetAddress address;
        enet_address_set_host_ip(&address, "127.0.0.1");
        address.port = (enet_uint16)atoi(argv[2]);
        is_server = 1;
        host = enet_host_create(&address, 32, 0, 0, 0);
        if (!host) return 1;
        ENetAddress bound;
        enet_socket_get_address(host->socket, &bound);
        printf("listening %u\n", bound.port);
    } else if (strcmp(argv[1], "client") == 0 && (argc == 5 || argc == 6)) {
        ENetAddress address;
        if (enet_address_set_host(&address, argv[2]) < 0) return 1;
        address.port = (enet_uint16)atoi(argv[3]);
        unsigned long id = strtoul(argv[4], NULL, 10);
        int user_channels = argc == 6 ? atoi(argv[5]) : 0;
        host = enet_host_create(NULL, 1, 0, 0, 0);
        if (!host) return 1;
        server_peer = enet_host_connect(host, &address, user_channels > 0 ? (size_t)user_channels + 2 : 255,
                                        (enet_uint32)id);
        if (!server_peer) return 1;
        const char *short_timeouts = getenv("NETSCENE_ENET_C_SHORT_TIMEOUTS");
        if (short_timeouts && strcmp(short_timeouts, "1") == 0) enet_peer_timeout(server_peer, 4, 500, 2000);
    } else if (strcmp(argv[1], "bench") == 0) {
        if (!bench_setup()) {
            printf("error bench setup failed\n");
            return 1;
        }
        printf("ready\n");
    } else {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    setup_compression();
    fflush(stdout);

    static char buffer[4 * PAYLOAD_MAX];
    size_t used = 0;
    int running = 1;
    while (running) {
        struct pollfd fd = {STDIN_FILENO, POLLIN, 0};
        int ready = poll(&fd, 1, 1);
        if (ready > 0) {
            ssize_t n = read(STDIN_FILENO, buffer + used, sizeof buffer - used - 1);
            if (n <= 0) {
                running = 0;
            } else {
                used += (size_t)n;
                char *start = buffer, *newline;
                while (running && (newline = memchr(start, '\n', used - (size_t)(start - buffer)))) {
                    *newline = '\0';
                    running = handle_line(start);
                    start = newline + 1;
                }
                used -= (size_t)(start - buffer);
                memmove(buffer, start, used);
            }
        }
        if (host) service_all();
    }
    if (host) {
        for (size_t i = 0; i < host->peerCount; i++)
            if (host->peers[i].state == ENET_PEER_STATE_CONNECTED) enet_peer_disconnect_now(&host->peers[i], 0);
        enet_host_flush(host);
        enet_host_destroy(host);
    }
    enet_deinitialize();
    return 0;
}
