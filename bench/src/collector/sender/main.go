// Load sender for the collector benchmarks, built on the fly by harness.ts (`go build`, standard library only).
// A compiled sender keeps its own CPU small, so loopback rates of 50k lines/s over TCP and 100k datagrams/s
// over UDP are reached on a shared two-core machine, which the Node sender could not do.
//
//	sender -kind tcp|udp -port N -count N [-rate N] [-payload-hex HEX] [-conns N]
//
// Lines are the same four templates as harness.ts `line(i)`. Prints {"sent","seconds","bytes"} as JSON.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func appendLine(b []byte, i int) []byte {
	ip := fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255)
	switch i % 4 {
	case 0:
		return fmt.Appendf(b, "<38>Nov 29 09:00:01 bastion sshd[%d]: Failed password for invalid user u%d from %s port %d ssh2", 1000+(i%5000), i%97, ip, 30000+(i%30000))
	case 1:
		return fmt.Appendf(b, "<85>Nov 29 10:00:00 app%d sudo:   alice : TTY=pts/%d ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart svc%d", i%9, i%5, i%13)
	case 2:
		return fmt.Appendf(b, "<190>1 2026-11-29T10:00:00.%03dZ web nginx - - - %s - - [29/Nov/2026:18:00:00 +0800] \"GET /api/items/%d HTTP/1.1\" 200 %d \"-\" \"curl/8\"", i%1000, ip, i, i%9000)
	default:
		return fmt.Appendf(b, "<4>Nov 29 10:00:00 fw kernel: DROP IN=eth0 OUT= SRC=192.0.2.%d DST=%s LEN=60 TTL=50 PROTO=TCP SPT=%d DPT=22 SYN seq=%d", i&255, ip, 1024+(i%60000), i)
	}
}

// due is how many items should have gone by now at `rate` per second (everything when rate is 0).
func due(start time.Time, rate, count int) int {
	if rate <= 0 {
		return count
	}
	n := int(time.Since(start).Seconds() * float64(rate))
	if n > count {
		return count
	}
	return n
}

func main() {
	kind := flag.String("kind", "tcp", "tcp or udp")
	port := flag.Int("port", 0, "loopback port")
	count := flag.Int("count", 0, "lines or datagrams to send")
	rate := flag.Int("rate", 0, "per second, 0 = as fast as possible")
	payloadHex := flag.String("payload-hex", "", "udp: fixed datagram payload instead of syslog lines")
	conns := flag.Int("conns", 1, "udp: sending sockets (goroutines), the rate split between them")
	flag.Parse()
	addr := "127.0.0.1:" + strconv.Itoa(*port)
	start := time.Now()
	var sent, bytes int64
	if *kind == "tcp" {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		w := bufio.NewWriterSize(c, 256<<10)
		buf := make([]byte, 0, 512)
		i := 0
		for i < *count {
			d := due(start, *rate, *count)
			if d <= i {
				w.Flush()
				time.Sleep(time.Millisecond)
				continue
			}
			// Many lines per write: the buffer goes out whenever it fills, and at every pacing pause.
			for ; i < d; i++ {
				buf = appendLine(buf[:0], i)
				buf = append(buf, '\n')
				if _, err := w.Write(buf); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				bytes += int64(len(buf))
			}
		}
		w.Flush()
		c.(*net.TCPConn).CloseWrite()
		sent = int64(i)
		c.Close()
	} else {
		var payload []byte
		if *payloadHex != "" {
			payload, _ = hex.DecodeString(*payloadHex)
		}
		// Syslog datagrams are formatted before the clock starts, so formatting never limits the send rate
		// (a ring of distinct lines beyond that many).
		var lines [][]byte
		if payload == nil {
			lines = make([][]byte, min(*count, 1<<20))
			for i := range lines {
				lines[i] = appendLine(nil, i)
			}
			start = time.Now()
		}
		var wg sync.WaitGroup
		n := *conns
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				c, err := net.Dial("udp", addr)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				defer c.Close()
				// Goroutine g sends items g, g+n, g+2n, … on the shared schedule.
				mine := (*count - g + n - 1) / n
				k := 0
				for k < mine {
					d := due(start, *rate/n, mine)
					if d <= k {
						time.Sleep(200 * time.Microsecond)
						continue
					}
					for ; k < d; k++ {
						p := payload
						if p == nil {
							p = lines[(g+k*n)%len(lines)]
						}
						if _, err := c.Write(p); err == nil {
							atomic.AddInt64(&sent, 1)
							atomic.AddInt64(&bytes, int64(len(p)))
						}
					}
				}
			}(g)
		}
		wg.Wait()
	}
	out, _ := json.Marshal(map[string]any{"sent": sent, "seconds": time.Since(start).Seconds(), "bytes": bytes})
	fmt.Println(string(out))
}
