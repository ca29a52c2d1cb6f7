//! The business-unit tree: pre/post order numbers so "is in subtree" is two comparisons,
//! and the effective enabled flag (a disabled unit disables its whole subtree).

/// Sentinel for "no index".
pub const NONE: u32 = u32::MAX;

/// Derived facts about the unit tree, recomputed whenever a unit is created,
/// reparented, disabled, enabled or deleted (hundreds of units: microseconds).
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    /// Pre-order number of each unit.
    pub pre: Vec<u32>,
    /// Largest pre-order number in each unit's subtree.
    pub post: Vec<u32>,
    /// Depth from the root (root = 0).
    pub depth: Vec<u32>,
    /// Unit and all its ancestors enabled.
    pub active: Vec<bool>,
}

impl UnitTree {
    /// Build from parent links (`NONE` for the root) and disabled flags; `alive` marks units not deleted.
    /// Iterative (no recursion), so a 100,000-deep chain is fine. Assumes no cycles.
    pub fn build(parent: &[u32], disabled: &[bool], alive: &[bool]) -> UnitTree {
        let n = parent.len();
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, &p) in parent.iter().enumerate() {
            if !alive.get(i).copied().unwrap_or(false) {
                continue;
            }
            match children.get_mut(p as usize) {
                Some(c) if p != NONE => c.push(i as u32),
                _ => roots.push(i as u32),
            }
        }
        let mut t = UnitTree {
            pre: vec![0; n],
            post: vec![0; n],
            depth: vec![0; n],
            active: vec![false; n],
        };
        let mut counter = 0u32;
        // stack of (unit, next child position)
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for root in roots {
            let on = !disabled.get(root as usize).copied().unwrap_or(true);
            t.set(root, counter, 0, on);
            counter += 1;
            stack.push((root, 0));
            while let Some(top) = stack.last_mut() {
                let (u, pos) = *top;
                let kids = children.get(u as usize).map(Vec::as_slice).unwrap_or(&[]);
                if let Some(&c) = kids.get(pos) {
                    top.1 += 1;
                    let parent_active = t.active.get(u as usize).copied().unwrap_or(false);
                    let parent_depth = t.depth.get(u as usize).copied().unwrap_or(0);
                    let on = parent_active && !disabled.get(c as usize).copied().unwrap_or(true);
                    t.set(c, counter, parent_depth + 1, on);
                    counter += 1;
                    stack.push((c, 0));
                } else {
                    if let Some(p) = t.post.get_mut(u as usize) {
                        *p = counter.saturating_sub(1);
                    }
                    stack.pop();
                }
            }
        }
        t
    }

    fn set(&mut self, u: u32, pre: u32, depth: u32, active: bool) {
        let i = u as usize;
        if let Some(x) = self.pre.get_mut(i) {
            *x = pre;
        }
        if let Some(x) = self.depth.get_mut(i) {
            *x = depth;
        }
        if let Some(x) = self.active.get_mut(i) {
            *x = active;
        }
    }

    /// Whether `unit` is `anchor` or one of its descendants.
    #[inline]
    pub fn in_subtree(&self, unit: u32, anchor: u32) -> bool {
        match (
            self.pre.get(unit as usize),
            self.pre.get(anchor as usize),
            self.post.get(anchor as usize),
        ) {
            (Some(&u), Some(&a), Some(&b)) => a <= u && u <= b,
            _ => false,
        }
    }

    /// Whether the unit and all its ancestors are enabled.
    #[inline]
    pub fn is_active(&self, unit: u32) -> bool {
        self.active.get(unit as usize).copied().unwrap_or(false)
    }
}
