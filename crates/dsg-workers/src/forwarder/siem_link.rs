//! The connection to the SIEM's syslog collector: TCP with octet-counting
//! framing (RFC 6587 §3.4.1) or UDP, one message per datagram (RFC 5426).
//! Made on first use and again after any failure.

use std::io;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::timeout;

use dsg_app::config::SiemTransport;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest UDP payload sent (below IPv4's 65,507); longer lines are cut
/// (RFC 5426 §3.2 lets a message be truncated).
const MAX_UDP_PAYLOAD: usize = 65_000;

/// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in
/// bytes (not characters), no trailer.
fn octet_counted(message: &str) -> Vec<u8> {
    let mut frame = format!("{} ", message.len()).into_bytes();
    frame.extend_from_slice(message.as_bytes());
    frame
}

/// The longest prefix of `message` that fits a datagram, cut at a
/// character boundary.
fn datagram(message: &str) -> &[u8] {
    let mut end = message.len().min(MAX_UDP_PAYLOAD);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.as_bytes().get(..end).unwrap_or_default()
}

/// The connection to the collector, made on first use and after a failure.
pub(super) struct SiemLink {
    address: String,
    transport: SiemTransport,
    link: Option<Link>,
}

enum Link {
    Udp(UdpSocket),
    Tcp(TcpStream),
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("{what} timed out"))
}

impl Link {
    /// Whether a kept connection still looks usable. A syslog collector
    /// never writes, so a readable TCP socket means it closed (or reset)
    /// the connection: writing there would "succeed" into the void.
    fn usable(&self) -> bool {
        match self {
            Self::Udp(_) => true,
            Self::Tcp(stream) => {
                let mut probe = [0u8; 256];
                match stream.try_read(&mut probe) {
                    Ok(0) => false,
                    Ok(_) => true,
                    Err(e) => e.kind() == io::ErrorKind::WouldBlock,
                }
            }
        }
    }

    /// Sends `lines` in order. On failure, how many were handed over.
    async fn send(&mut self, lines: &[String]) -> Result<(), (usize, io::Error)> {
        match self {
            Self::Udp(socket) => {
                for (i, line) in lines.iter().enumerate() {
                    match timeout(WRITE_TIMEOUT, socket.send(datagram(line))).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => return Err((i, e)),
                        Err(_) => return Err((i, timed_out("sending to the SIEM"))),
                    }
                }
                Ok(())
            }
            Self::Tcp(stream) => {
                // One write for the batch: either the kernel took all of it
                // or the batch counts as unsent.
                let mut buffer = Vec::new();
                for line in lines {
                    buffer.extend_from_slice(&octet_counted(line));
                }
                let write = async {
                    stream.write_all(&buffer).await?;
                    stream.flush().await
                };
                match timeout(WRITE_TIMEOUT, write).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err((0, e)),
                    Err(_) => Err((0, timed_out("sending to the SIEM"))),
                }
            }
        }
    }
}

impl SiemLink {
    /// A link to `address` (`host:port`), connected on first use.
    pub(super) fn new(address: String, transport: SiemTransport) -> Self {
        Self {
            address,
            transport,
            link: None,
        }
    }

    async fn connect(&self) -> io::Result<Link> {
        let addresses = timeout(
            CONNECT_TIMEOUT,
            tokio::net::lookup_host(self.address.as_str()),
        )
        .await
        .map_err(|_| timed_out("resolving the SIEM address"))??;
        let mut last = io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} resolves to no address", self.address),
        );
        for address in addresses {
            match self.transport {
                SiemTransport::Tcp => {
                    match timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await {
                        Ok(Ok(stream)) => {
                            stream.set_nodelay(true)?;
                            return Ok(Link::Tcp(stream));
                        }
                        Ok(Err(e)) => last = e,
                        Err(_) => last = timed_out("connecting to the SIEM"),
                    }
                }
                SiemTransport::Udp => {
                    let local = if address.is_ipv4() {
                        "0.0.0.0:0"
                    } else {
                        "[::]:0"
                    };
                    let socket = UdpSocket::bind(local).await?;
                    // Connected, so an ICMP "port unreachable" comes back
                    // as an error on a later send.
                    socket.connect(address).await?;
                    return Ok(Link::Udp(socket));
                }
            }
        }
        Err(last)
    }

    /// Sends `lines` in order over the kept connection, or a new one. On
    /// failure the connection is dropped (the next send reconnects) and the
    /// error says how many lines were handed over.
    pub(super) async fn send(&mut self, lines: &[String]) -> Result<(), (usize, io::Error)> {
        let mut link = match self.link.take() {
            Some(link) if link.usable() => link,
            _ => self.connect().await.map_err(|e| (0, e))?,
        };
        link.send(lines).await?;
        self.link = Some(link);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn frames_count_octets_not_characters() {
        assert_eq!(octet_counted("hello"), b"5 hello");
        assert_eq!(octet_counted("é"), "2 é".as_bytes());
        assert_eq!(octet_counted(""), b"0 ");
        let long = "x".repeat(MAX_UDP_PAYLOAD + 10);
        assert_eq!(datagram(&long).len(), MAX_UDP_PAYLOAD);
        let cut = format!("{}é", "x".repeat(MAX_UDP_PAYLOAD - 1));
        assert_eq!(datagram(&cut).len(), MAX_UDP_PAYLOAD - 1);
    }

    /// Reads octet-counted frames from `stream` until `n` arrived.
    async fn frames(stream: &mut TcpStream, n: usize) -> Vec<String> {
        let mut buffer = Vec::new();
        let mut out = Vec::new();
        while out.len() < n {
            let mut chunk = [0u8; 1024];
            let read = stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "connection closed after {out:?}");
            buffer.extend_from_slice(&chunk[..read]);
            while let Some(space) = buffer.iter().position(|b| *b == b' ') {
                let len: usize = std::str::from_utf8(&buffer[..space])
                    .unwrap()
                    .parse()
                    .unwrap();
                if buffer.len() < space + 1 + len {
                    break;
                }
                out.push(String::from_utf8(buffer[space + 1..space + 1 + len].to_vec()).unwrap());
                buffer.drain(..space + 1 + len);
            }
        }
        out
    }

    #[tokio::test]
    async fn tcp_reconnects_after_the_collector_closed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut link = SiemLink::new(
            listener.local_addr().unwrap().to_string(),
            SiemTransport::Tcp,
        );
        let lines = vec!["<109>1 a b".to_owned(), "<109>1 ü c".to_owned()];
        link.send(&lines).await.unwrap();
        let (mut first, _) = listener.accept().await.unwrap();
        assert_eq!(frames(&mut first, 2).await, lines);
        // The collector hangs up; the next send must not write into the
        // closed connection but open a new one.
        drop(first);
        tokio::time::sleep(Duration::from_millis(100)).await;
        link.send(&lines[..1]).await.unwrap();
        let (mut second, _) = listener.accept().await.unwrap();
        assert_eq!(frames(&mut second, 1).await, lines[..1]);
        // Nobody listening: an error, and nothing counted as sent.
        drop(second);
        drop(listener);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let err = link.send(&lines).await.unwrap_err();
        assert_eq!(err.0, 0);
    }
}
