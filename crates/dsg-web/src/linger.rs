//! Closing a connection without losing the answer on it.
//!
//! When a request is answered before its body was read (a refused upload,
//! a body an extractor rejects), hyper closes the connection with the
//! body's remaining bytes unread. Closing a socket with unread input makes
//! the kernel send a reset instead of an orderly end, and a reset can
//! overtake the answer and the TLS `close_notify` already sent: the client
//! sees a network error instead of the error answer. So, as web servers
//! do ("lingering close"), a connection's stream, when hyper lets go of
//! it, ends TLS and the sending side in order, then reads and discards
//! what the client still sends, for a bounded time and amount, before the
//! socket closes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// How long a closed connection keeps reading what the client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// How much it reads at most before closing anyway.
const LINGER_BYTES: usize = 4 * 1024 * 1024;

/// A stream that closes with a lingering close when dropped.
pub(crate) struct Lingering<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    inner: Option<S>,
}

impl<S> Lingering<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Wraps `inner`.
    pub(crate) fn new(inner: S) -> Self {
        Self { inner: Some(inner) }
    }

    fn stream(&mut self) -> io::Result<&mut S> {
        self.inner
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl<S> Drop for Lingering<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    fn drop(&mut self) {
        let (Some(mut stream), Ok(runtime)) =
            (self.inner.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        runtime.spawn(async move {
            let _ = tokio::time::timeout(LINGER, async {
                // Sends close_notify (TLS) and then FIN.
                stream.shutdown().await?;
                let mut discarded = 0;
                let mut buf = [0u8; 16 * 1024];
                while discarded < LINGER_BYTES {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    discarded += n;
                }
                Ok::<(), io::Error>(())
            })
            .await;
        });
    }
}

impl<S> AsyncRead for Lingering<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.stream() {
            Ok(s) => Pin::new(s).poll_read(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl<S> AsyncWrite for Lingering<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.stream() {
            Ok(s) => Pin::new(s).poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.stream() {
            Ok(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(S::is_write_vectored)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stream() {
            Ok(s) => Pin::new(s).poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stream() {
            Ok(s) => Pin::new(s).poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};

    /// A server that answers before reading a large request and then lets
    /// go of the connection: with the lingering close, the client reads the
    /// whole answer and an orderly end; without it, a reset can cut it.
    #[tokio::test]
    async fn an_early_answer_reaches_a_client_still_sending() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut conn = Lingering::new(socket);
            let mut head = [0u8; 16];
            conn.read_exact(&mut head).await.unwrap();
            conn.write_all(b"refused").await.unwrap();
            conn.flush().await.unwrap();
            drop(conn);
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        // Far more than the server reads and than socket buffers hold, and
        // less than the lingering close reads.
        let body = vec![7u8; 2 * 1024 * 1024];
        let (mut read, mut write) = client.split();
        let sending = async {
            let _ = write.write_all(&body).await;
            let _ = write.shutdown().await;
        };
        let receiving = async {
            let mut answer = Vec::new();
            read.read_to_end(&mut answer).await.map(|_| answer)
        };
        let ((), answer) = tokio::join!(sending, receiving);
        assert_eq!(answer.unwrap(), b"refused");
        server.await.unwrap();
    }
}
