//! rtnetlink: list links and addresses, add/remove VIPs, routes and
//! policy-routing rules (RTM_NEWRULE / RTM_DELRULE), create and delete
//! VMAC (macvlan) interfaces, and follow link and address events
//! (RTMGRP_LINK, RTMGRP_IPV4/6_IFADDR) and the deletion of the routes and
//! rules keepvip installed.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use futures::stream::StreamExt;
use futures::TryStreamExt;
use keepvip_proto::{Family, RouteAddMode, RouteConfig, RuleAction, RuleConfig, VipConfig};
use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage, AddressScope};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage, MacVlanMode};
use netlink_packet_route::route::{RouteProtocol, RouteScope, RouteType};
use netlink_packet_route::rule::{
    self, RuleAttribute, RuleFlags, RuleMessage, RulePortRange, RuleUidRange,
};
use netlink_packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};
use netlink_sys::{AsyncSocket, SocketAddr};
use rtnetlink::{Handle, RouteMessageBuilder};
use tokio::sync::mpsc;

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// ifindex
    pub index: u32,
    /// name
    pub name: String,
    /// MAC address
    pub mac: Option<[u8; 6]>,
    /// IFF_UP and IFF_RUNNING
    pub up: bool,
}

/// An address on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    /// ifindex
    pub index: u32,
    /// the address
    pub addr: IpAddr,
    /// prefix length
    pub prefix_len: u8,
    /// IFA_LABEL
    pub label: Option<String>,
}

/// A change reported by the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// link added or changed
    Link(LinkInfo),
    /// link removed
    LinkRemoved {
        /// ifindex
        index: u32,
    },
    /// address added
    AddrAdded(AddrInfo),
    /// address removed
    AddrRemoved(AddrInfo),
    /// a route with keepalived's protocol (18) was deleted
    RouteRemoved(RouteKey),
    /// a rule with keepalived's protocol was deleted
    RuleRemoved(RuleKey),
    /// the link and address events overflowed the socket: some were lost
    Overrun,
    /// the route and rule events overflowed theirs
    RoutesOverrun,
}

/// RTPROT_KEEPALIVED: every route and rule keepvip installs carries it, as
/// keepalived's do (`ip route show proto keepalived`), so the deletions to
/// look at are told apart cheaply.
const PROTO_KEEPALIVED: u8 = 18;

/// What identifies a deleted route (keepalived's route_is_ours: table,
/// family, destination and its length, TOS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteKey {
    /// destination network (the unspecified address for `default`)
    pub dst: IpAddr,
    /// its prefix length
    pub dst_len: u8,
    /// routing table
    pub table: u32,
}

impl RouteKey {
    /// Whether `r` is the configured route this deletion was of.
    pub fn matches(&self, r: &RouteConfig) -> bool {
        r.dst == self.dst
            && r.dst_len == self.dst_len
            && r.table.unwrap_or(RT_TABLE_MAIN) == self.table
    }
}

/// What identifies a deleted rule: family, priority and selectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleKey {
    /// address family
    pub family: Family,
    /// priority
    pub priority: u32,
    /// `from` and its length
    pub src: Option<(IpAddr, u8)>,
    /// `to` and its length
    pub dst: Option<(IpAddr, u8)>,
}

impl RuleKey {
    /// Whether `r` is the configured rule this deletion was of.
    pub fn matches(&self, r: &RuleConfig) -> bool {
        r.family == self.family
            && r.priority == self.priority
            && r.src.map(|a| (a, r.src_len)) == self.src
            && r.dst.map(|a| (a, r.dst_len)) == self.dst
    }
}

const RT_TABLE_MAIN: u32 = 254;
/// RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE (8) and
/// RTNLGRP_IPV6_RULE (19) as bind(2) group bits
const ROUTE_AND_RULE_GROUPS: u32 = 0x40 | 0x400 | (1 << (8 - 1)) | (1 << (19 - 1));

/// Hand a connection's multicast messages to the daemon as events, `map`
/// picking the ones it wants, and `overrun` when the kernel dropped some.
fn forward_events<T: From<NetEvent> + Send + 'static>(
    mut messages: futures::channel::mpsc::UnboundedReceiver<(
        netlink_packet_core::NetlinkMessage<RouteNetlinkMessage>,
        SocketAddr,
    )>,
    tx: mpsc::Sender<T>,
    overrun: NetEvent,
    map: fn(RouteNetlinkMessage) -> Option<NetEvent>,
) {
    tokio::spawn(async move {
        while let Some((msg, _)) = messages.next().await {
            let ev = match msg.payload {
                NetlinkPayload::InnerMessage(m) => map(m),
                NetlinkPayload::Overrun(_) => Some(overrun.clone()),
                _ => None,
            };
            if let Some(ev) = ev {
                if tx.send(ev.into()).await.is_err() {
                    break;
                }
            }
        }
    });
}

/// How long a request may wait for the kernel's answer. The answers come
/// on a socket of their own, so none should ever be lost; if one is, the
/// daemon must not wait for it forever.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A request's answer, or `TimedOut` after [`REQUEST_TIMEOUT`].
async fn answer<T>(
    f: impl std::future::Future<Output = Result<T, rtnetlink::Error>>,
) -> io::Result<T> {
    match tokio::time::timeout(REQUEST_TIMEOUT, f).await {
        Ok(r) => r.map_err(nl_err),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "netlink: no answer from the kernel in 5 s",
        )),
    }
}

/// SO_RCVBUF, or with `force` SO_RCVBUFFORCE (past net.core.rmem_max;
/// needs CAP_NET_ADMIN, which the daemon has). A failure only warns.
fn set_rcvbuf(socket: &mut netlink_sys::Socket, (size, force): (u32, bool)) {
    use std::os::fd::AsRawFd;
    let opt = if force {
        libc::SO_RCVBUFFORCE
    } else {
        libc::SO_RCVBUF
    };
    let value = size.min(i32::MAX as u32) as libc::c_int;
    // SAFETY: setsockopt on a socket we own with a c_int of the right size.
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        tracing::warn!(
            "netlink: cannot set the receive buffer to {size} bytes: {}",
            io::Error::last_os_error()
        );
    }
}

/// A classic BPF program on the route watcher's socket: only RTM_DELROUTE
/// with protocol keepalived and RTM_DELRULE (whose protocol is an
/// attribute, checked in user space) are queued; every other route event
/// is dropped in the kernel, before it can cost a wake-up, a parse or a
/// buffer overrun.
fn attach_deletions_filter(socket: &netlink_sys::Socket) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // netlink headers are in host order; BPF loads read big-endian
    let seen_u16 = |v: u16| u32::from(u16::from_be_bytes(v.to_ne_bytes()));
    const LDH_ABS: u16 = 0x28; // BPF_LD | BPF_H | BPF_ABS
    const LDB_ABS: u16 = 0x30; // BPF_LD | BPF_B | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    let insn = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    let prog = [
        insn(LDH_ABS, 0, 0, 4), // nlmsg_type
        insn(JEQ_K, 0, 2, seen_u16(libc::RTM_DELROUTE)),
        insn(LDB_ABS, 0, 0, 16 + 5), // rtmsg.rtm_protocol
        insn(JEQ_K, 1, 2, u32::from(PROTO_KEEPALIVED)),
        insn(JEQ_K, 0, 1, seen_u16(libc::RTM_DELRULE)),
        insn(RET_K, 0, 0, u32::MAX), // keep
        insn(RET_K, 0, 0, 0),        // drop
    ];
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: a valid program that outlives the call (the kernel copies it).
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&fprog as *const libc::sock_fprog).cast(),
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn route_key(m: &netlink_packet_route::route::RouteMessage) -> Option<RouteKey> {
    use netlink_packet_route::route::{RouteAddress, RouteAttribute};
    if m.header.protocol != RouteProtocol::KeepAlived {
        return None;
    }
    let mut table = u32::from(m.header.table);
    let mut dst = None;
    for a in &m.attributes {
        match a {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Destination(RouteAddress::Inet(d)) => dst = Some(IpAddr::V4(*d)),
            RouteAttribute::Destination(RouteAddress::Inet6(d)) => dst = Some(IpAddr::V6(*d)),
            _ => {}
        }
    }
    let dst = match (dst, m.header.address_family) {
        (Some(d), _) => d,
        (None, AddressFamily::Inet) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (None, AddressFamily::Inet6) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => return None,
    };
    Some(RouteKey {
        dst,
        dst_len: m.header.destination_prefix_length,
        table,
    })
}

fn rule_key(m: &RuleMessage) -> Option<RuleKey> {
    let ours = m
        .attributes
        .iter()
        .any(|a| matches!(a, RuleAttribute::Protocol(p) if u8::from(*p) == PROTO_KEEPALIVED));
    if !ours {
        return None;
    }
    let family = match m.header.family {
        AddressFamily::Inet => Family::V4,
        AddressFamily::Inet6 => Family::V6,
        _ => return None,
    };
    let mut key = RuleKey {
        family,
        priority: 0,
        src: None,
        dst: None,
    };
    for a in &m.attributes {
        match a {
            RuleAttribute::Priority(p) => key.priority = *p,
            RuleAttribute::Source(ip) => key.src = Some((*ip, m.header.src_len)),
            RuleAttribute::Destination(ip) => key.dst = Some((*ip, m.header.dst_len)),
            _ => {}
        }
    }
    Some(key)
}

const RTMGRP_LINK: u32 = 1;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTMGRP_IPV6_IFADDR: u32 = 0x100;

/// The daemon's rtnetlink connection.
pub struct Netlink {
    handle: Handle,
}

fn nl_err(e: rtnetlink::Error) -> io::Error {
    match e {
        rtnetlink::Error::NetlinkError(m) => m.to_io(),
        other => io::Error::other(other.to_string()),
    }
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

fn link_info(m: &LinkMessage) -> Option<LinkInfo> {
    let mut name = None;
    let mut mac = None;
    for a in &m.attributes {
        match a {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::Address(b) if b.len() == 6 => {
                let mut m = [0u8; 6];
                m.copy_from_slice(b);
                mac = Some(m);
            }
            _ => {}
        }
    }
    let f = m.header.flags;
    Some(LinkInfo {
        index: m.header.index,
        name: name?,
        mac,
        up: f.contains(LinkFlags::Up) && f.contains(LinkFlags::Running),
    })
}

fn addr_info(m: &AddressMessage) -> Option<AddrInfo> {
    let mut local = None;
    let mut address = None;
    let mut label = None;
    for a in &m.attributes {
        match a {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Label(l) => label = Some(l.clone()),
            _ => {}
        }
    }
    Some(AddrInfo {
        index: m.header.index,
        addr: local.or(address)?,
        prefix_len: m.header.prefix_len,
        label,
    })
}

impl Netlink {
    /// Open the connection and subscribe to link and address events; the
    /// events go to `events`, in the order the kernel sent them.
    /// `rcvbuf`: keepalived's vrrp_netlink_monitor_rcv_bufs (bytes, and
    /// whether to force it past net.core.rmem_max) for the event sockets.
    pub fn connect<T: From<NetEvent> + Send + 'static>(
        rcvbuf: Option<(u32, bool)>,
        events: mpsc::Sender<T>,
    ) -> io::Result<Netlink> {
        // requests and their answers on a socket of their own, in no
        // multicast group: a flood of events (which the kernel drops when
        // a socket's buffer is full) can never cost a request its answer,
        // as keepalived keeps nl_cmd apart from nl_kernel
        let (cmd, handle, _no_events) = rtnetlink::new_connection()?;
        tokio::spawn(cmd);
        let (mut conn, _unused, messages) = rtnetlink::new_connection()?;
        let socket = conn.socket_mut().socket_mut();
        socket.bind(&SocketAddr::new(
            0,
            RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
        ))?;
        if let Some(size) = rcvbuf {
            set_rcvbuf(socket, size);
        }
        tokio::spawn(conn);
        let route_tx = events.clone();
        forward_events(messages, events, NetEvent::Overrun, |m| match m {
            RouteNetlinkMessage::NewLink(l) => link_info(&l).map(NetEvent::Link),
            RouteNetlinkMessage::DelLink(l) => Some(NetEvent::LinkRemoved {
                index: l.header.index,
            }),
            RouteNetlinkMessage::NewAddress(a) => addr_info(&a).map(NetEvent::AddrAdded),
            RouteNetlinkMessage::DelAddress(a) => addr_info(&a).map(NetEvent::AddrRemoved),
            _ => None,
        });
        // route and rule deletions on a connection of their own: a router
        // with a busy routing table may overflow it, and that must not
        // cost the link and address events above
        if let Err(e) = Self::watch_routes(route_tx, rcvbuf.unwrap_or((4 << 20, false))) {
            tracing::warn!("cannot follow route and rule deletions: {e}");
        }
        Ok(Netlink { handle })
    }

    fn watch_routes<T: From<NetEvent> + Send + 'static>(
        tx: mpsc::Sender<T>,
        rcvbuf: (u32, bool),
    ) -> io::Result<()> {
        let (mut conn, _handle, messages) = rtnetlink::new_connection()?;
        let socket = conn.socket_mut().socket_mut();
        socket.bind(&SocketAddr::new(0, ROUTE_AND_RULE_GROUPS))?;
        // room for bursts of a routing daemon's changes
        set_rcvbuf(socket, rcvbuf);
        // and most of them never reach us: a BGP router changes routes all
        // day, keepvip only cares about deletions of its own
        if let Err(e) = attach_deletions_filter(socket) {
            tracing::warn!("netlink: cannot filter route events in the kernel: {e}");
        }
        tokio::spawn(conn);
        forward_events(messages, tx, NetEvent::RoutesOverrun, |m| match m {
            RouteNetlinkMessage::DelRoute(r) => route_key(&r).map(NetEvent::RouteRemoved),
            RouteNetlinkMessage::DelRule(r) => rule_key(&r).map(NetEvent::RuleRemoved),
            _ => None,
        });
        Ok(())
    }

    /// Every link.
    pub async fn links(&self) -> io::Result<Vec<LinkInfo>> {
        answer(async {
            let mut s = self.handle.link().get().execute();
            let mut out = Vec::new();
            while let Some(m) = s.try_next().await? {
                out.extend(link_info(&m));
            }
            Ok(out)
        })
        .await
    }

    /// Every address.
    pub async fn addresses(&self) -> io::Result<Vec<AddrInfo>> {
        answer(async {
            let mut s = self.handle.address().get().execute();
            let mut out = Vec::new();
            while let Some(m) = s.try_next().await? {
                out.extend(addr_info(&m));
            }
            Ok(out)
        })
        .await
    }

    fn vip_message(ifindex: u32, vip: &VipConfig) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.index = ifindex;
        m.header.prefix_len = vip.prefix_len;
        m.header.family = match vip.addr {
            IpAddr::V4(_) => netlink_packet_route::AddressFamily::Inet,
            IpAddr::V6(_) => netlink_packet_route::AddressFamily::Inet6,
        };
        if let Some(s) = vip.scope {
            m.header.scope = AddressScope::from(s);
        }
        m.attributes.push(AddressAttribute::Local(vip.addr));
        m.attributes
            .push(AddressAttribute::Address(vip.peer.unwrap_or(vip.addr)));
        if let Some(IpAddr::V4(b)) = vip.broadcast {
            m.attributes.push(AddressAttribute::Broadcast(b));
        }
        if let Some(l) = &vip.label {
            if vip.addr.is_ipv4() {
                m.attributes.push(AddressAttribute::Label(l.clone()));
            }
        }
        let mut flags = AddressFlags::from_bits_retain(vip.ifa_flags);
        if vip.addr.is_ipv6() {
            // keepalived's VIPs are `nodad` unless `-nodad` (no DAD fight
            // with the other router during a split brain)
            if !vip.dad {
                flags |= AddressFlags::Nodad;
            }
            if let Some(preferred) = vip.preferred_lft {
                let mut lifetimes = netlink_packet_route::address::CacheInfo::default();
                lifetimes.ifa_preferred = preferred;
                lifetimes.ifa_valid = u32::MAX; // forever
                m.attributes.push(AddressAttribute::CacheInfo(lifetimes));
            }
        }
        if !flags.is_empty() {
            m.attributes.push(AddressAttribute::Flags(flags));
        }
        m
    }

    /// Add a VIP (already present is fine).
    pub async fn add_address(&self, ifindex: u32, vip: &VipConfig) -> io::Result<()> {
        let mut req = self.handle.address().add(ifindex, vip.addr, vip.prefix_len);
        *req.message_mut() = Self::vip_message(ifindex, vip);
        match answer(req.execute()).await {
            Err(e) if errno(&e) == libc::EEXIST => Ok(()),
            r => r,
        }
    }

    /// Remove a VIP (already gone is fine).
    /// Whether it was there.
    pub async fn remove_address(&self, ifindex: u32, vip: &VipConfig) -> io::Result<bool> {
        let mut m = Self::vip_message(ifindex, vip);
        m.attributes.retain(|a| {
            !matches!(
                a,
                AddressAttribute::Label(_)
                    | AddressAttribute::Flags(_)
                    | AddressAttribute::Broadcast(_)
                    | AddressAttribute::CacheInfo(_)
            )
        });
        match answer(self.handle.address().del(m).execute()).await {
            Err(e) if matches!(errno(&e), libc::EADDRNOTAVAIL | libc::ENOENT | libc::ENODEV) => {
                Ok(false)
            }
            r => r.map(|()| true),
        }
    }

    fn route_message(
        ifindex: Option<u32>,
        r: &RouteConfig,
    ) -> netlink_packet_route::route::RouteMessage {
        match r.dst {
            IpAddr::V4(d) => {
                let mut b = RouteMessageBuilder::<Ipv4Addr>::new().destination_prefix(d, r.dst_len);
                if let Some(IpAddr::V4(g)) = r.gateway {
                    b = b.gateway(g);
                }
                if let Some(IpAddr::V4(s)) = r.src {
                    b = b.pref_source(s);
                }
                Self::route_common(b, ifindex, r).build()
            }
            IpAddr::V6(d) => {
                let mut b = RouteMessageBuilder::<Ipv6Addr>::new().destination_prefix(d, r.dst_len);
                if let Some(IpAddr::V6(g)) = r.gateway {
                    b = b.gateway(g);
                }
                if let Some(IpAddr::V6(s)) = r.src {
                    b = b.pref_source(s);
                }
                Self::route_common(b, ifindex, r).build()
            }
        }
    }

    fn route_common<T>(
        mut b: RouteMessageBuilder<T>,
        ifindex: Option<u32>,
        r: &RouteConfig,
    ) -> RouteMessageBuilder<T> {
        if let Some(i) = ifindex {
            b = b.output_interface(i);
        }
        if let Some(m) = r.metric {
            b = b.priority(m);
        }
        if let Some(t) = r.table {
            b = b.table_id(t);
        }
        if let Some(s) = r.scope {
            b = b.scope(RouteScope::from(s));
        }
        if let Some(k) = r.route_type {
            b = b.kind(RouteType::from(k));
        }
        b.protocol(RouteProtocol::KeepAlived)
    }

    /// Add a virtual route (already present is fine).
    pub async fn add_route(&self, ifindex: Option<u32>, r: &RouteConfig) -> io::Result<()> {
        self.add_route_if_missing(ifindex, r).await.map(|_| ())
    }

    /// Add a route; whether it was missing (false: it was there already).
    pub async fn add_route_if_missing(
        &self,
        ifindex: Option<u32>,
        r: &RouteConfig,
    ) -> io::Result<bool> {
        use netlink_packet_core::{
            NetlinkMessage, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
        };
        let m = Self::route_message(ifindex, r);
        let mut req = NetlinkMessage::from(RouteNetlinkMessage::NewRoute(m));
        // keepalived's flags: without EXCL the kernel puts the route in
        // front of someone else's to the same destination (IPv6: adds a
        // next hop to it); an identical route is still EEXIST. rtnetlink's
        // add() always sets EXCL, which left such a route out.
        req.header.flags = NLM_F_REQUEST
            | NLM_F_ACK
            | NLM_F_CREATE
            | match r.add_mode {
                RouteAddMode::Prepend => 0,
                RouteAddMode::Add => NLM_F_EXCL,
                RouteAddMode::Append => NLM_F_APPEND,
            };
        let mut handle = self.handle.clone();
        let sent = async move {
            let mut answers = handle.request(req)?;
            while let Some(msg) = answers.next().await {
                // an error message without a code is the ACK
                if let NetlinkPayload::Error(e) = msg.payload {
                    if e.code.is_some() {
                        return Err(rtnetlink::Error::NetlinkError(e));
                    }
                }
            }
            Ok(())
        };
        match answer(sent).await {
            Err(e) if errno(&e) == libc::EEXIST => Ok(false),
            r => r.map(|_| true),
        }
    }

    /// Remove a virtual route (already gone is fine).
    /// Whether it was there.
    pub async fn remove_route(&self, ifindex: Option<u32>, r: &RouteConfig) -> io::Result<bool> {
        let m = Self::route_message(ifindex, r);
        match answer(self.handle.route().del(m).execute()).await {
            Err(e) if matches!(errno(&e), libc::ESRCH | libc::ENOENT) => Ok(false),
            r => r.map(|()| true),
        }
    }

    /// The FIB rule message for `r`: the same message adds (RTM_NEWRULE)
    /// and deletes (RTM_DELRULE), so a removal matches what was added.
    pub fn rule_message(r: &RuleConfig) -> RuleMessage {
        let mut m = RuleMessage::default();
        let h = &mut m.header;
        h.family = match r.family {
            Family::V4 => AddressFamily::Inet,
            Family::V6 => AddressFamily::Inet6,
        };
        h.tos = r.tos;
        h.action = match r.action {
            RuleAction::ToTable => rule::RuleAction::ToTable,
            RuleAction::Goto(_) => rule::RuleAction::Goto,
            RuleAction::Nop => rule::RuleAction::Nop,
            RuleAction::Blackhole => rule::RuleAction::Blackhole,
            RuleAction::Unreachable => rule::RuleAction::Unreachable,
            RuleAction::Prohibit => rule::RuleAction::Prohibit,
        };
        if r.invert {
            h.flags = RuleFlags::Invert;
        }
        let a = &mut m.attributes;
        if let Some(t) = r.table {
            // the header has 8 bits; FRA_TABLE carries any table (as ip does)
            h.table = u8::try_from(t).unwrap_or(0);
            a.push(RuleAttribute::Table(t));
        }
        if let Some(src) = r.src {
            h.src_len = r.src_len;
            a.push(RuleAttribute::Source(src));
        }
        if let Some(dst) = r.dst {
            h.dst_len = r.dst_len;
            a.push(RuleAttribute::Destination(dst));
        }
        a.push(RuleAttribute::Priority(r.priority));
        if let Some(f) = r.fwmark {
            a.push(RuleAttribute::FwMark(f));
        }
        if let Some(f) = r.fwmask {
            a.push(RuleAttribute::FwMask(f));
        }
        if let Some(i) = &r.iif {
            a.push(RuleAttribute::Iifname(i.clone()));
        }
        if let Some(o) = &r.oif {
            a.push(RuleAttribute::Oifname(o.clone()));
        }
        if let RuleAction::Goto(target) = r.action {
            a.push(RuleAttribute::Goto(target));
        }
        if let Some(n) = r.suppress_prefixlen {
            a.push(RuleAttribute::SuppressPrefixLen(n));
        }
        if let Some(g) = r.suppress_ifgroup {
            a.push(RuleAttribute::SuppressIfGroup(g));
        }
        if let Some((start, end)) = r.uid_range {
            a.push(RuleAttribute::UidRange(RuleUidRange { start, end }));
        }
        if let Some(p) = r.ip_proto {
            a.push(RuleAttribute::IpProtocol(IpProtocol::from(p)));
        }
        if let Some((start, end)) = r.sport {
            a.push(RuleAttribute::SourcePortRange(RulePortRange { start, end }));
        }
        if let Some((start, end)) = r.dport {
            a.push(RuleAttribute::DestinationPortRange(RulePortRange {
                start,
                end,
            }));
        }
        if r.l3mdev {
            a.push(RuleAttribute::L3MDev(true));
        }
        a.push(RuleAttribute::Protocol(RouteProtocol::from(r.protocol)));
        m
    }

    /// Add a rule. Sent with NLM_F_EXCL, so an identical rule already
    /// there (same priority and selectors, e.g. left by a `kill -9`) is
    /// EEXIST, which is fine.
    pub async fn add_rule(&self, r: &RuleConfig) -> io::Result<()> {
        let mut req = self.handle.rule().add();
        *req.message_mut() = Self::rule_message(r);
        match answer(req.execute()).await {
            Err(e) if errno(&e) == libc::EEXIST => Ok(()),
            r => r,
        }
    }

    /// Create the macvlan `name` on `base` with `mac`, in private mode (so
    /// it hears the other router's adverts, sent from the same MAC), down.
    pub async fn add_vmac(&self, name: &str, base: u32, mac: [u8; 6]) -> io::Result<()> {
        let msg = rtnetlink::LinkMacVlan::new(name, base, MacVlanMode::Private)
            .address(mac.to_vec())
            .build();
        answer(self.handle.link().add(msg).execute()).await
    }

    /// Set a link up.
    pub async fn link_up(&self, index: u32) -> io::Result<()> {
        let msg = rtnetlink::LinkUnspec::new_with_index(index).up().build();
        answer(self.handle.link().set(msg).execute()).await
    }

    /// Delete a link (already gone is fine).
    pub async fn delete_link(&self, index: u32) -> io::Result<()> {
        match answer(self.handle.link().del(index).execute()).await {
            Err(e) if errno(&e) == libc::ENODEV => Ok(()),
            r => r,
        }
    }

    /// Remove a rule (already gone is fine); whether it was there.
    pub async fn remove_rule(&self, r: &RuleConfig) -> io::Result<bool> {
        let m = Self::rule_message(r);
        match answer(self.handle.rule().del(m).execute()).await {
            Err(e) if matches!(errno(&e), libc::ENOENT | libc::ESRCH) => Ok(false),
            r => r.map(|()| true),
        }
    }
}
